"""The AWS emulator: moto's server and provisioning from the template
(:mod:`.moto_server`), and S3 presigned-request checks (:mod:`.s3_presigned`)."""
