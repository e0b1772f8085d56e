"""The self-hosted CI runner that applies tenant stacks: the database is private, so the runner
lives inside the platform network (a private subnet, no public address, no inbound port; admin
access through SSM Session Manager).

At boot it reads a GitHub token from Secrets Manager, asks GitHub for a registration token and
registers with the label the workflows ask for (``runs-on: [self-hosted, <label>]``). The
applying runner's role may read the secrets tenant stacks need (DATABASE_URL, ETHIQ_REGISTRY_KEY)
and decrypt with the platform key; the preview runner's role reads its own GitHub token only, and
may use the key for nothing else (``kms:EncryptionContext:SecretARN``), so it can decrypt neither
those secrets nor a stack's state: previews need none of them (``ethiq reconcile --preview``
previews a copy of the state whose secrets are placeholders).

The runner's service runs as the unprivileged user ``runner``, so nothing a workflow does may need
root: the boot script installs, as root, every Debian package ``tools/setup.sh`` would otherwise
install (:data:`SETUP_PACKAGES`; a test keeps the two lists equal). Go is not among them: Debian
bookworm's Go is too old for ``tools/engine/go.mod``; the workflows install the pinned toolchain
with ``actions/setup-go`` (``go-version-file: tools/engine/go.mod``) and cache ``.venv``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

__all__ = ["DEBIAN_AMI_PARAMETER", "SETUP_PACKAGES", "CiRunner", "CiRunnerArgs", "user_data"]

# Debian publishes its official AMIs as public SSM parameters; setup expects Debian.
DEBIAN_AMI_PARAMETER = "/aws/service/debian/release/bookworm/latest/amd64"
# What tools/setup.sh installs when missing (it needs root for that); the runner has them at boot.
SETUP_PACKAGES = ("postgresql", "redis-server", "strace", "wrk", "prometheus", "chromium")
# What the runner itself and the workflows use: git, make, Python's venv, the AWS CLI.
_RUNNER_PACKAGES = ("curl", "jq", "git", "make", "awscli", "python3", "python3-venv")


@dataclass(frozen=True)
class CiRunnerArgs:
    subnet_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    region: str
    label: str
    repository: str  # owner/name
    github_token_secret_arn: pulumi.Input[str]
    readable_secret_arns: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    # Decrypt anything the platform key protects (the stacks' state on awskms://); False: only
    # the secrets above (Secrets Manager passes their ARN as the encryption context).
    decrypt_any: bool = True
    instance_type: str = "t3.large"
    disk_gb: int = 60


def user_data(region: str, repository: str, label: str, token_secret_arn: str) -> str:
    """The boot script: packages setup needs, then the runner registered as a service."""
    q = shlex.quote
    packages = " ".join((*_RUNNER_PACKAGES, *SETUP_PACKAGES))
    return f"""#!/bin/bash
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends {packages}
systemctl disable --now postgresql redis-server  # tests start their own servers
id runner >/dev/null 2>&1 || useradd --create-home --shell /bin/bash runner
cd /home/runner
github_token=$(aws secretsmanager get-secret-value --region {q(region)} \\
  --secret-id {q(token_secret_arn)} --query SecretString --output text)
registration=$(curl -fsS -X POST -H "Authorization: Bearer $github_token" \\
  -H "Accept: application/vnd.github+json" \\
  https://api.github.com/repos/{repository}/actions/runners/registration-token | jq -r .token)
version=$(curl -fsS https://api.github.com/repos/actions/runner/releases/latest \\
  | jq -r .tag_name | sed 's/^v//')
curl -fsSL -o runner.tar.gz \\
  "https://github.com/actions/runner/releases/download/v$version/actions-runner-linux-x64-$version.tar.gz"
tar xzf runner.tar.gz && rm runner.tar.gz && chown -R runner:runner /home/runner
sudo -u runner ./config.sh --unattended --replace --url https://github.com/{repository} \\
  --token "$registration" --labels {q(label)} --name "ethiq-$(hostname)"
./svc.sh install runner
./svc.sh start
"""


class CiRunner(pulumi.ComponentResource):
    label: pulumi.Output[str]
    instance_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: CiRunnerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:CiRunner", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            opts=child,
        )
        readable = [args.github_token_secret_arn, *args.readable_secret_arns]
        decrypt: dict[str, Any] = {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": args.kms_key_arn,
        }
        if not args.decrypt_any:
            # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
            decrypt["Condition"] = {"StringEquals": {"kms:EncryptionContext:SecretARN": readable}}
        aws.iam.RolePolicy(
            f"{name}-secrets",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": readable,
                        },
                        decrypt,
                    ],
                }
            ),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{name}-profile", role=role.name, opts=child)
        ami = aws.ssm.get_parameter_output(
            name=DEBIAN_AMI_PARAMETER, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        instance = aws.ec2.Instance(
            f"{name}-instance",
            ami=ami.value,
            instance_type=args.instance_type,
            subnet_id=args.subnet_id,
            vpc_security_group_ids=[args.security_group_id],
            associate_public_ip_address=False,
            iam_instance_profile=profile.name,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True,
                kms_key_id=args.kms_key_arn,
                volume_size=args.disk_gb,
                volume_type="gp3",
            ),
            user_data=pulumi.Output.from_input(args.github_token_secret_arn).apply(
                lambda arn: user_data(args.region, args.repository, args.label, arn)
            ),
            user_data_replace_on_change=True,
            tags={"Name": f"{name}-ci-runner", "ethiq:runner-label": args.label},
            # A new AMI release must not replace the runner in the middle of an apply.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
        )
        self.label = pulumi.Output.from_input(args.label)
        self.instance_id = instance.id
        self.register_outputs({"label": self.label, "instanceId": self.instance_id})
