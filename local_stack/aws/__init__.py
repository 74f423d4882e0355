"""The AWS emulator: moto's server in this process (:mod:`.moto_server`), provisioning from
the template (:mod:`.provisioning`), DynamoDB's partition-sized Query (:mod:`.dynamodb_query`)
and S3 presigned-request checks (:mod:`.s3_presigned`, with SigV4 in :mod:`.sigv4`)."""
