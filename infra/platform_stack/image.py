"""The runtime's image: where it is pushed, which one is deployed, and who may roll one out.

``.github/workflows/runtime-image.yml`` builds the ``Dockerfile`` on every merge, pushes it to
the ECR repository here (tags are immutable: a digest names one image for good), rolls it out on
the ECS service, and once the service is stable records the image in an SSM parameter. The task
definition this stack registers reads that parameter, so a later ``pulumi up`` of the platform
keeps the deployed image instead of rolling back to ``platform:image``, which only names the
first one (the parameter's value is the workflow's from then on: ``ignore_changes``).

The workflow assumes a role through GitHub's OIDC provider (``platform:githubOidcProviderArn``:
an AWS account holds one, so this stack does not create it), only from the repository's
``runtime-image`` environment, and may do no more than push to this repository, roll out this
service and write this parameter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

__all__ = ["DEPLOY_ENVIRONMENT", "ImageStore", "image_deployer", "image_store"]

DEPLOY_ENVIRONMENT = "runtime-image"  # the GitHub environment the workflow deploys from
_GITHUB_OIDC = "token.actions.githubusercontent.com"


@dataclass(frozen=True)
class ImageStore:
    repository: aws.ecr.Repository
    parameter: aws.ssm.Parameter
    image: pulumi.Output[str]  # the deployed image, as the parameter holds it now


def image_store(
    name: str, first_image: str, kms_key_arn: pulumi.Input[str], parent: pulumi.Resource
) -> ImageStore:
    child = pulumi.ResourceOptions(parent=parent)
    repository = aws.ecr.Repository(
        f"{name}-runtime",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
            scan_on_push=True
        ),
        encryption_configurations=[
            aws.ecr.RepositoryEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=kms_key_arn
            )
        ],
        opts=child,
    )
    parameter = aws.ssm.Parameter(
        f"{name}-runtime-image",
        name=f"/{name}/runtime-image",
        type="String",
        value=first_image,
        description="The runtime image the service runs (set by the runtime-image workflow)",
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["value"]),
    )
    image = aws.ssm.get_parameter_output(name=parameter.name).value
    return ImageStore(repository, parameter, image)


def image_deployer(
    name: str,
    *,
    github_repository: str,
    oidc_provider_arn: str,
    store: ImageStore,
    service_arns: list[pulumi.Input[str]],
    task: aws.ecs.TaskDefinition,
    parent: pulumi.Resource,
) -> aws.iam.Role:
    child = pulumi.ResourceOptions(parent=parent)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{_GITHUB_OIDC}:aud": "sts.amazonaws.com",
                        f"{_GITHUB_OIDC}:sub": (
                            f"repo:{github_repository}:environment:{DEPLOY_ENVIRONMENT}"
                        ),
                    }
                },
            }
        ],
    }
    role = aws.iam.Role(f"{name}-image-deployer", assume_role_policy=json.dumps(trust), opts=child)
    policy = pulumi.Output.all(
        store.repository.arn,
        store.parameter.arn,
        pulumi.Output.all(*service_arns),
        task.execution_role_arn,
        task.task_role_arn,
    ).apply(
        lambda a: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:CompleteLayerUpload",
                            "ecr:InitiateLayerUpload",
                            "ecr:PutImage",
                            "ecr:UploadLayerPart",
                        ],
                        "Resource": a[0],
                    },
                    {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": a[1]},
                    # ECS has no resource-level permission for these two.
                    {
                        "Effect": "Allow",
                        "Action": ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
                        "Resource": a[2],
                    },
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [a[3], a[4]]},
                ],
            }
        )
    )
    aws.iam.RolePolicy(f"{name}-image-deployer", role=role.id, policy=policy, opts=child)
    return role
