"""Account self-service in the local stack: email change with verification, password
change, DeleteUser (moto 5.2.5 has no VerifyUserAttribute or DeleteUser, and changes the
email at once)."""

from __future__ import annotations

from tests.local_stack.cognito.test_cognito_gaps import EMAIL, PASSWORD, Pool, error_of

NEW_EMAIL = "alice.new@example.com"


def email_of(pool: Pool, access: str) -> dict[str, str]:
    attributes = pool.idp.get_user(AccessToken=access)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in attributes if a["Name"].startswith("email")}


def test_the_old_email_signs_in_until_the_new_one_is_verified(pool: Pool) -> None:
    # Given a user who asks to change their email
    pool.signed_up_user()
    access = pool.sign_in()["AccessToken"]
    response = pool.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": NEW_EMAIL}]
    )
    # Then the code goes to the new address, and the old email is still theirs
    assert response["CodeDeliveryDetailsList"][0]["Destination"] == "a***@e***"
    code = pool.latest_code(NEW_EMAIL, kind="verify_email")
    assert email_of(pool, access) == {"email": EMAIL, "email_verified": "true"}
    assert pool.sign_in(EMAIL)["AccessToken"]
    # When a wrong code is sent, nothing changes
    wrong = "000000" if code != "000000" else "111111"
    assert (
        error_of(
            pool.idp.verify_user_attribute, AccessToken=access, AttributeName="email", Code=wrong
        )[0]
        == "CodeMismatchException"
    )
    assert email_of(pool, access)["email"] == EMAIL
    # When the right code is sent, the new email is the verified sign-in name
    pool.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert email_of(pool, access) == {"email": NEW_EMAIL, "email_verified": "true"}
    assert pool.sign_in(NEW_EMAIL)["AccessToken"]
    assert error_of(pool.sign_in, email=EMAIL)[0] == "NotAuthorizedException"


def test_another_users_email_cannot_be_taken(pool: Pool) -> None:
    pool.signed_up_user()
    pool.signed_up_user("bob@example.com")
    access = pool.sign_in()["AccessToken"]
    assert (
        error_of(
            pool.idp.update_user_attributes,
            AccessToken=access,
            UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
        )[0]
        == "AliasExistsException"
    )


def test_change_password_needs_the_current_one(pool: Pool) -> None:
    pool.signed_up_user()
    access = pool.sign_in()["AccessToken"]
    assert error_of(
        pool.idp.change_password,
        AccessToken=access,
        PreviousPassword="Wrong-Horse-1",
        ProposedPassword="Another-Horse-10",
    ) == ("NotAuthorizedException", "Incorrect username or password.")
    pool.idp.change_password(
        AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="Another-Horse-10"
    )
    assert pool.sign_in(password="Another-Horse-10")["AccessToken"]


def test_delete_user_removes_the_user_and_kills_their_tokens(pool: Pool) -> None:
    pool.signed_up_user()
    tokens = pool.sign_in()
    pool.idp.delete_user(AccessToken=tokens["AccessToken"])
    # Then the user is gone, their tokens are refused, and a second delete fails
    assert error_of(pool.idp.admin_get_user, UserPoolId=pool.pool_id, Username=EMAIL)[0] == (
        "UserNotFoundException"
    )
    assert error_of(pool.idp.get_user, AccessToken=tokens["AccessToken"])[0] == (
        "NotAuthorizedException"
    )
    assert error_of(pool.idp.delete_user, AccessToken=tokens["AccessToken"])[0] == (
        "NotAuthorizedException"
    )
    assert error_of(pool.refresh, refresh_token=tokens["RefreshToken"])[0] == (
        "NotAuthorizedException"
    )
    # And the email can sign up again
    pool.signed_up_user()
