"""A rule's cases, written beside the rule: the small real pulumi-aws programs that show it both ways.

    @violates("sqs-retention-short", resource="jobs")
    def queue_keeping_an_hour():
        P.aws.sqs.Queue("jobs", message_retention_seconds=3600)

    @complies("sqs-retention-short")
    def queue_keeping_four_days():
        P.aws.sqs.Queue("jobs", message_retention_seconds=4 * 86400)

The tests run every case under Pulumi's mocks, in update and preview mode, and send what it registers
to the pack over gRPC (``tests/test_rules.py``); a violating case must be reported on ``resource`` with
the rule's key phrase, a compliant one must not be reported. Declaring a case only records it: the
pack never runs one, and ``P`` imports pulumi and pulumi-aws when a case first uses them, so the pack's
start does not (pulumi-aws takes seconds to import).

``config`` is a ``--policy-pack-config`` document for the run; ``modes`` limits the case to update or
preview; ``preview`` is what a violating case gives when values are unknown ("either": a violation or
the "can't run policy during preview" notice; "violation": a violation). ``fixed`` is what the rule's
``remediate`` fix changes on this case (``{dotted wire path: new value}``, or the paths alone when the
value is a whole document); ``says`` is what this case's finding says besides the key phrase.
``superseded_by`` names a rule whose finding stands for this one's on this program (a relation the rule
declares): the case is judged with the rules that may supersede this one disabled, and
``tests/test_relations.py`` checks that with the named one enabled only it reports.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Union

CASES: list = []

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@dataclass(frozen=True)
class Case:
    rule: str
    violates: bool
    program: Callable[[], None]
    resource: Union[str, None] = None
    config: dict = field(default_factory=dict)
    modes: tuple = ("update", "preview")
    preview: str = "either"
    fixed: Any = None
    superseded_by: Union[str, None] = None
    says: Union[str, None] = None

    @property
    def id(self) -> str:
        return f"{self.rule}:{'violates' if self.violates else 'complies'}:{self.program.__name__}"


_MODES = ("update", "preview")


def _record(rule: str, violates: bool, program: Callable, **kw: Any) -> None:
    if not isinstance(rule, str) or not rule:
        raise TypeError(f"case {getattr(program, '__name__', program)!r}: the rule is its id, a string")
    modes = tuple(kw.get("modes") or _MODES)
    if not modes or set(modes) - set(_MODES):
        raise ValueError(f"case {program.__name__!r} of {rule!r}: modes are \"update\" and \"preview\", got {modes!r}")
    if kw.get("preview", "either") not in ("either", "violation"):
        raise ValueError(f"case {program.__name__!r} of {rule!r}: preview is \"either\" or \"violation\"")
    CASES.append(Case(rule, violates, program, kw.get("resource"), dict(kw.get("config") or {}), modes,
                      kw.get("preview", "either"), kw.get("fixed"), kw.get("superseded_by"), kw.get("says")))


def violates(rule: str, resource: Union[str, None] = None, *, config: Union[dict, None] = None,
             modes: tuple = _MODES, preview: str = "either", fixed: Any = None,
             superseded_by: Union[str, None] = None, says: Union[str, None] = None) -> Callable:
    """Declare a program the rule must report (on ``resource``, when given, and saying ``says`` as well as
    its key phrase)."""
    def wrap(fn: Callable) -> Callable:
        _record(rule, True, fn, resource=resource, config=config, modes=modes, preview=preview, fixed=fixed,
                superseded_by=superseded_by, says=says)
        return fn
    return wrap


def complies(rule: str, *, config: Union[dict, None] = None, modes: tuple = _MODES) -> Callable:
    """Declare a program the rule must not report (and, in update mode, must decide)."""
    def wrap(fn: Callable) -> Callable:
        _record(rule, False, fn, config=config, modes=modes)
        return fn
    return wrap


def of(rule_id: str) -> list:
    """The cases declared for one rule, in the order they were written."""
    return [c for c in CASES if c.rule == rule_id]


class _Program:
    """What a case program is written with: ``P.aws`` (pulumi_aws), ``P.native`` (pulumi_aws_native),
    ``P.pulumi`` and a few building blocks.
    The modules are imported on first use, never when a rule module is imported."""

    LAMBDA_TRUST = LAMBDA_TRUST
    LAMBDA_TRUST_OBJECT = json.loads(LAMBDA_TRUST)
    SFN_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    SFN_DEFINITION = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'
    AWS_MANAGED = "arn:aws:iam::aws:policy/"
    BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    WAF_VISIBILITY = {"cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True}
    # An OpenAPI 3 body with a proxy route and no security requirement, and a Swagger 2 body that secures
    # every route (a user pool, one route an API key) and validates every request.
    OPENAPI3_YAML = """
openapi: 3.0.1
info: {title: orders, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations"}
  /orders:
    options:
      x-amazon-apigateway-integration: {type: mock}
"""
    SWAGGER_SECURED = {
        "swagger": "2.0", "info": {"title": "orders", "version": "1"},
        "securityDefinitions": {
            "cognito": {"type": "apiKey", "name": "Authorization", "in": "header",
                        "x-amazon-apigateway-authtype": "cognito_user_pools",
                        "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:x"]}},
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
        "security": [{"cognito": []}],
        "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": True, "validateRequestParameters": True}},
        "x-amazon-apigateway-request-validator": "all",
        "paths": {"/orders": {"get": {}, "post": {}},
                  "/health": {"get": {"security": [{"api_key": []}]}}},
    }

    @property
    def aws(self):
        import pulumi_aws

        return pulumi_aws

    @property
    def native(self):
        import pulumi_aws_native

        return pulumi_aws_native

    @property
    def pulumi(self):
        import pulumi

        return pulumi

    @staticmethod
    def doc(*statements: dict) -> str:
        """An IAM policy document with these statements, as the JSON string most programs pass."""
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    def role(self, name: str = "fn-role", trust: str = LAMBDA_TRUST, **kw: Any):
        """A role Lambda may assume."""
        return self.aws.iam.Role(name, assume_role_policy=trust, **kw)

    def function(self, name: str = "fn", role_arn: Any = None, **kw: Any):
        """A Python Lambda function with inline code; its own role unless ``role_arn`` is given."""
        kw.setdefault("runtime", "python3.12")
        kw.setdefault("handler", "index.handler")
        kw.setdefault("code", self.pulumi.AssetArchive({
            "index.py": self.pulumi.StringAsset("def handler(e, c):\n    return e\n")}))
        return self.aws.lambda_.Function(name, role=role_arn if role_arn is not None else self.role(f"{name}-role").arn,
                                         **kw)

    def distribution(self, origin: Any = None, viewer: str = "redirect-to-https", certificate: Any = None, **kw: Any):
        """A CloudFront distribution ("cdn") in front of an HTTPS origin, on CloudFront's default certificate."""
        origin = origin or {"domain_name": "api.example.com", "origin_id": "api", "custom_origin_config": {
            "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only", "origin_ssl_protocols": ["TLSv1.2"]}}
        return self.aws.cloudfront.Distribution(
            "cdn", enabled=True, origins=[origin],
            default_cache_behavior={"target_origin_id": origin["origin_id"], "viewer_protocol_policy": viewer,
                                    "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                    "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}}},
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=certificate or {"cloudfront_default_certificate": True}, **kw)

    def native_rest_api(self, name: str = "api"):
        """An aws-native REST API."""
        return self.native.apigateway.RestApi(name, name=name)

    def table(self, name: str = "orders", **kw: Any):
        """An on-demand DynamoDB table keyed by ``id``."""
        return self.aws.dynamodb.Table(name, billing_mode="PAY_PER_REQUEST", hash_key="id",
                                       attributes=[{"name": "id", "type": "S"}], **kw)


P = _Program()
