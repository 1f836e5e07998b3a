"""The routes of a REST API defined by an OpenAPI ``body`` (Swagger 2 or OpenAPI 3, JSON or YAML text).

Teams (and ``pulumi-aws-apigateway``, awsx) define a whole REST API in one ``aws.apigateway.RestApi(body=...)``
instead of ``Resource``/``Method`` resources. The routes are then in the document, with API Gateway's
extensions: ``x-amazon-apigateway-any-method``, ``x-amazon-apigateway-integration``,
``x-amazon-apigateway-auth`` (``AWS_IAM`` on an operation), ``security`` with the
``securityDefinitions``/``components.securitySchemes`` that carry ``x-amazon-apigateway-authtype`` and
``x-amazon-apigateway-authorizer``, API keys (an ``apiKey`` scheme named ``x-api-key`` in the header), and
``x-amazon-apigateway-request-validator(s)``. ``routes`` turns the document into one ``Route`` per method
and path, judged by the same rules as ``Method`` resources.

Never raises: a body that is not a mapping, not JSON or YAML, or larger than ``MAX_BODY`` gives no routes
(``None``), so a rule stays silent instead of guessing. YAML aliases are refused (no alias bomb).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_BODY = 2 << 20
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")


@dataclass(frozen=True)
class Route:
    method: str            # GET ... or ANY
    path: str
    authorization: str     # NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
    api_key: bool
    validator: bool        # a request validator applies
    integration: str       # the integration's type (aws_proxy, http_proxy, mock, ...), "" when none
    uri: str               # the integration's uri ("" when none)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def static_content(self) -> bool:
        """A route that API Gateway answers from S3 objects itself (an ``aws`` integration on an ``s3:path/``
        uri): files served, no function behind it."""
        return self.integration == "aws" and ":s3:path/" in self.uri


def load(body: Any) -> dict | None:
    """The document as a mapping, or None."""
    if isinstance(body, dict):
        return body
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        doc = _yaml(body)
    return doc if isinstance(doc, dict) else None


def _yaml(text: str) -> Any:
    from .files import FileProblem, load_yaml_text

    try:
        return load_yaml_text(text, "the API's body", "an API body")
    except FileProblem:   # not YAML either: no routes
        return None


def _schemes(doc: dict) -> dict:
    schemes = doc.get("securityDefinitions")
    if not isinstance(schemes, dict):
        components = doc.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    return schemes if isinstance(schemes, dict) else {}


def _classify(scheme: Any) -> str:
    """A security scheme -> AWS_IAM, COGNITO_USER_POOLS, CUSTOM, API_KEY or "" (not one API Gateway enforces)."""
    if not isinstance(scheme, dict):
        return ""
    authtype = str(scheme.get("x-amazon-apigateway-authtype") or "").lower()
    authorizer = scheme.get("x-amazon-apigateway-authorizer")
    if authtype == "awssigv4":
        return "AWS_IAM"
    if authtype == "cognito_user_pools" or (isinstance(authorizer, dict)
                                            and str(authorizer.get("type")).lower() == "cognito_user_pools"):
        return "COGNITO_USER_POOLS"
    if authorizer is not None or authtype == "custom":
        return "CUSTOM"
    if str(scheme.get("type")).lower() == "apikey" and str(scheme.get("name")).lower() == "x-api-key":
        return "API_KEY"
    return ""


def _auth(requirements: Any, schemes: dict) -> tuple:
    """(authorization type, API key required) for a ``security`` list. A caller may satisfy any one
    requirement object, so the weakest decides; an empty one (``{}``) makes security optional."""
    if not isinstance(requirements, list) or not requirements:
        return "NONE", False
    found = []
    for req in requirements:
        if not isinstance(req, dict) or not req:
            return "NONE", False
        kinds = [_classify(schemes.get(name)) for name in req]
        auth = next((k for k in kinds if k not in ("", "API_KEY")), "NONE")
        found.append((auth, "API_KEY" in kinds))
    if any(auth == "NONE" and not key for auth, key in found):
        return "NONE", False
    if any(auth == "NONE" for auth, _ in found):
        return "NONE", True
    return found[0][0], False


def _iam_auth(op: dict) -> bool:
    """API Gateway's own ``x-amazon-apigateway-auth`` extension on an operation: ``{"type": "AWS_IAM"}`` makes
    the method require IAM (SigV4) authorization (what ``iam_auth_enabled`` of a RestAPI route writes)."""
    auth = op.get("x-amazon-apigateway-auth")
    return isinstance(auth, dict) and str(auth.get("type") or "").upper() == "AWS_IAM"


def routes(body: Any) -> list | None:
    """Every method of every path of the document, or None when ``body`` is not an OpenAPI document."""
    doc = load(body)
    if doc is None or not isinstance(doc.get("paths"), dict):
        return None
    schemes = _schemes(doc)
    top_security = doc.get("security")
    top_validator = doc.get("x-amazon-apigateway-request-validator")
    validators = doc.get("x-amazon-apigateway-request-validators")
    validators = validators if isinstance(validators, dict) else {}
    out = []
    for path, item in list(doc["paths"].items())[:10_000]:
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            authorization, api_key = _auth(op.get("security", top_security), schemes)
            if authorization == "NONE" and _iam_auth(op):
                authorization = "AWS_IAM"
            name = op.get("x-amazon-apigateway-request-validator", top_validator)
            rules = validators.get(name) if isinstance(name, str) else None
            validator = isinstance(rules, dict) and any(rules.get(k) is True for k in
                                                        ("validateRequestBody", "validateRequestParameters"))
            integration = op.get("x-amazon-apigateway-integration")
            integration = integration if isinstance(integration, dict) else {}
            out.append(Route(
                method="ANY" if method == "x-amazon-apigateway-any-method" else method.upper(),
                path=str(path), authorization=authorization, api_key=api_key, validator=validator,
                integration=str(integration.get("type") or "").lower(), uri=str(integration.get("uri") or "")))
    return out
