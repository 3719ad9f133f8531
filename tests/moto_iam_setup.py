"""Creates the identities check_ddb_auth needs in a moto server whose
signature checking is still off, and prints them as one JSON object.

usage: python moto_iam_setup.py http://127.0.0.1:PORT

IAM and STS speak the query protocol, which libddbxo does not; boto3 (from
the test venv) is the simplest client for this one-off setup.  Output:
  {"user":    {"AccessKeyId", "SecretAccessKey"},        # policy allows
                                                           # dynamodb:*, sqs:*,
                                                           # sts:AssumeRole
   "nopolicy":{"AccessKeyId", "SecretAccessKey"},        # no policy at all
   "session": {"AccessKeyId", "SecretAccessKey", "SessionToken"}}  # AssumeRole
It also makes the role ddbxo-ext-role, which trusts the user only with
ExternalId "ext-ddbxo" (check_sts assumes it with signature checking on).
"""
import json
import sys

import boto3

ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["dynamodb:*", "sqs:*",
                                              "sts:AssumeRole"],
                   "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "sts:AssumeRole"}],
}


def main():
    url = sys.argv[1]
    kw = dict(endpoint_url=url, region_name="us-east-1",
              aws_access_key_id="setup", aws_secret_access_key="setup")
    iam = boto3.client("iam", **kw)
    sts = boto3.client("sts", **kw)

    iam.create_user(UserName="ddbxo-test")
    iam.put_user_policy(UserName="ddbxo-test", PolicyName="ddbxo-allow",
                        PolicyDocument=json.dumps(ALLOW))
    key = iam.create_access_key(UserName="ddbxo-test")["AccessKey"]

    iam.create_user(UserName="ddbxo-nopolicy")
    key2 = iam.create_access_key(UserName="ddbxo-nopolicy")["AccessKey"]

    role = iam.create_role(RoleName="ddbxo-role",
                           AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    iam.put_role_policy(RoleName="ddbxo-role", PolicyName="ddbxo-allow",
                        PolicyDocument=json.dumps(ALLOW))
    ext_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:user/ddbxo-test"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"sts:ExternalId": "ext-ddbxo"}}}],
    }
    iam.create_role(RoleName="ddbxo-ext-role",
                    AssumeRolePolicyDocument=json.dumps(ext_trust))
    iam.put_role_policy(RoleName="ddbxo-ext-role", PolicyName="ddbxo-allow",
                        PolicyDocument=json.dumps(ALLOW))
    cred = sts.assume_role(RoleArn=role["Arn"],
                           RoleSessionName="ddbxo")["Credentials"]

    json.dump({
        "user": {"AccessKeyId": key["AccessKeyId"],
                 "SecretAccessKey": key["SecretAccessKey"]},
        "nopolicy": {"AccessKeyId": key2["AccessKeyId"],
                     "SecretAccessKey": key2["SecretAccessKey"]},
        "session": {"AccessKeyId": cred["AccessKeyId"],
                    "SecretAccessKey": cred["SecretAccessKey"],
                    "SessionToken": cred["SessionToken"]},
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
