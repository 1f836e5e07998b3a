"""What a program can change on the resources a published component builds for it.

A component (``@pulumi/aws-apigateway``'s RestAPI, say) builds resources the program never writes. A finding
on one of them is worth reporting only if the program can act on it:
- through the component's own arguments (a route's ``authorizers``: the rule words its fix in those terms);
- by adding a resource of its own that refers to the component's outputs (a WAF association on
  ``api.stage.arn``, method settings for ``api.stage.stage_name``): the finding stays, its fix uses them;
- not at all, when the fix is a property of the built resource that the component does not pass on (the
  RestAPI's Stage takes only its name): such a finding is not reported, since nobody can act on it
  (``unsettable``). The rule pages say which.

``SETTABLE`` lists, per component type, the properties of each resource type it builds that its arguments
reach. A resource type it does not list is one whose properties it passes through whole.
"""
from __future__ import annotations

from . import aws

REST_API_COMPONENT = "aws-apigateway:index:RestAPI"

# @pulumi/aws-apigateway's RestAPI takes routes (or swaggerString), stageName, apiKeySource, binaryMediaTypes,
# description, disableExecuteApiEndpoint, gatewayResponses, requestValidator, staticRoutesBucket and tags; its
# Stage gets only the name; its Deployment, the Lambda permissions of its routes, and the objects, role and
# AmazonS3FullAccess attachment it makes to serve a route's local files get nothing of the program's (an empty
# set: no finding on them is reported, whatever its rule). Its bucket is core/buckets.py's to judge: quiet by
# default, judged with the bucket rules' ``everyBucket``.
SETTABLE: dict = {
    REST_API_COMPONENT: {
        aws.REST_STAGE: frozenset({"stageName"}),
        **{t: frozenset() for t in (aws.REST_DEPLOYMENT, aws.PERMISSION, aws.BUCKET_OBJECT, aws.ROLE,
                                    aws.ROLE_POLICY_ATTACHMENT)},
    },
}


def built_by(resource, component: str) -> bool:
    """Whether ``component`` (a type token) is among the components above ``resource``."""
    return component in resource.component_types


def unsettable(resource, path: str) -> str | None:
    """The component that built ``resource`` without passing the property ``path`` on to it (so the program
    cannot set it), or None."""
    top = path.split(".", 1)[0]
    for component in resource.component_types:
        settable = SETTABLE.get(component, {}).get(resource.type)
        if settable is not None and top not in settable:
            return component
    return None


def untouchable(resource) -> str | None:
    """The component that built ``resource`` passing nothing of the program's on to it, or None."""
    for component in resource.component_types:
        if SETTABLE.get(component, {}).get(resource.type) == frozenset():
            return component
    return None


def stage_outputs(stage) -> tuple | None:
    """How a program names the RestAPI component's stage that ``stage`` is: ``(variable, stage ARN, API id,
    stage name)`` in the program's Python, or None for a stage the program made."""
    if not built_by(stage, REST_API_COMPONENT):
        return None
    from .rule import variable

    var = variable(stage.name, "api")
    return var, f"{var}.stage.arn", f"{var}.api.id", f"{var}.stage.stage_name"
