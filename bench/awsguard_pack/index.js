// AWSGuard with all of its policies at advisory, as bench/run.py compares it.
const { AwsGuard } = require("@pulumi/awsguard");
new AwsGuard({ all: "advisory" });
