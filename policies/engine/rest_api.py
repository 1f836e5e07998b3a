"""@pulumi/aws-apigateway's ``RestAPI`` in a Python program, built as its provider plugin builds it.

``pulumi_aws_apigateway.RestAPI`` is a multi-language component: the Python SDK only registers it, and its
provider plugin builds the API at deploy time, with the API library of awsx classic (``createAPI`` in
``@pulumi/awsx/classic/apigateway/api.js``, which the plugin's source is). Under the mocks nothing would
build it, so the API (the most common entry point of a Python serverless program: it is Pulumi's
``serverless-aws-python`` template) would not be judged. This module builds the same resources from the
component's inputs, as that library does, for the routes a Python program can give:

- an ``event_handler`` route (a Lambda Function): an ``aws_proxy`` operation of the OpenAPI body, and a
  Permission for API Gateway to invoke the function from that method and path;
- a ``local_path`` route (a file or a folder of static content): a Bucket, a BucketObject per file and a
  Role (with AmazonS3FullAccess) that API Gateway reads them with, and ``aws`` operations for the path and
  its ``{proxy+}``;
- a ``target`` route (an HTTP backend): ``http_proxy`` operations for the path and its ``{proxy+}``;
- a ``data`` route: the operation as given;
- ``authorizers``, ``api_key_required``, ``iam_auth_enabled``, ``required_parameters`` and
  ``request_validator`` on each operation, and ``swagger_string`` instead of routes;

then the RestApi with that body, its Deployment and its Stage (``stage_name``, default ``stage``), all
named as the library names them, children of the component, located at the program's line that declares
it. A Lambda authorizer given as a function is out of reach here (the library builds a function from a
JavaScript callback); one given as ``handler.uri`` is used. ``tests/test_programs.py`` checks the
result against the library's own build of the same API in a TypeScript twin.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace

from .capture import UNKNOWN, Record, _computed

TYPE = "aws-apigateway:index:RestAPI"
S3_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
APIGATEWAY_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Sid": "", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch"}


def sha1hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def swagger_method(method) -> str:
    m = str(method or "").lower()
    if m in METHODS:
        return m
    if m == "any":
        return "x-amazon-apigateway-any-method"
    raise ValueError(f"Method not supported: {method}")


def expand(records: list, mode: str, region: str, root: str) -> list:
    """``records`` with each RestAPI component of a Python program followed by the resources its plugin
    builds; the component is then no longer remote (what it creates is judged). A component whose inputs
    cannot be read (an unknown route list in preview) stays as it was."""
    out: list = []
    for record in records:
        if record.type == TYPE and record.remote and isinstance(record.inputs, dict):
            children = _Builder(record, records, mode == "preview", region, root).build()
            if children is not None:
                out.append(replace(record, remote=False))
                out.extend(children)
                continue
        out.append(record)
    return out


class _Builder:
    def __init__(self, component: Record, records: list, preview: bool, region: str, root: str):
        self.component, self.preview, self.region, self.root = component, preview, region, root
        self.name = component.name
        self.by_urn = {r.urn: r for r in records}
        self.by_id = {r.outputs.get("id"): r for r in records if isinstance(r.outputs.get("id"), str)}
        self.children: list = []
        self.body_deps: list = []
        self.lambdas: list = []   # (method, path, function record or None, function id)
        self.bucket: Record | None = None

    # --- records ------------------------------------------------------------------------------
    def _urn(self, type_: str, name: str) -> str:
        """A child's URN as the engine makes it: the component's stack and project, its type chain and the
        child's type, the child's name."""
        stack_and_project, parent_types, _ = self.component.urn.rsplit("::", 2)
        return f"{stack_and_project}::{parent_types}${type_}::{name}"

    def add(self, type_: str, name: str, inputs: dict, deps: dict | None = None) -> Record:
        deps = {k: [u for u in v if u] for k, v in (deps or {}).items()}
        if self.preview:
            outputs = {"arn": UNKNOWN, **inputs, "id": UNKNOWN}
        else:
            outputs = {**inputs, **_computed(type_, name, inputs)}
        record = Record(type=type_, name=name, urn=self._urn(type_, name), parent=self.component.urn,
                        dependencies=sorted({u for v in deps.values() for u in v}), property_dependencies=deps,
                        inputs=inputs, outputs=outputs, custom=True, provider="",
                        source_file=self.component.source_file, source_line=self.component.source_line)
        self.children.append(record)
        return record

    def known(self, record: Record | None, prop: str):
        """An output of a resource: unknown in preview (as a new resource's is)."""
        if record is None or self.preview:
            return UNKNOWN
        value = record.outputs.get(prop)
        return UNKNOWN if value is None else value

    def function(self, ref) -> tuple:
        """(record, id) of the Function a route's ``event_handler`` refers to."""
        if isinstance(ref, dict):
            record = self.by_urn.get(ref.get("urn")) or self.by_id.get(ref.get("id"))
            return record, ref.get("id") or ref.get("urn") or ""
        if isinstance(ref, str):
            record = self.by_urn.get(ref) or self.by_id.get(ref)
            return record, ref
        return None, ""

    # --- the build ----------------------------------------------------------------------------
    def build(self) -> list | None:
        inputs = self.component.inputs
        routes = inputs.get("routes")
        swagger_string = inputs.get("swaggerString")
        if isinstance(swagger_string, str) and swagger_string:
            body, title = self._given_swagger(swagger_string)
        elif isinstance(routes, list):
            swagger = self._swagger(routes, inputs)
            body, title = (UNKNOWN if self.preview else json.dumps(swagger)), self.name
        else:
            return None
        self._api(inputs, body, title)
        return self.children

    def _given_swagger(self, text: str) -> tuple:
        try:
            spec = json.loads(text)
        except ValueError:
            return text, self.name
        if isinstance(spec, dict):
            spec.setdefault("info", {})
            if isinstance(spec["info"], dict):
                spec["info"].setdefault("title", self.name)
            return json.dumps(spec), (spec["info"].get("title") if isinstance(spec["info"], dict) else self.name)
        return text, self.name

    def _swagger(self, routes: list, inputs: dict) -> dict:
        swagger: dict = {
            "swagger": "2.0", "info": {"title": self.name, "version": "1.0"}, "paths": {},
            "x-amazon-apigateway-binary-media-types": ["*/*"],
            "x-amazon-apigateway-gateway-responses": _gateway_responses(inputs.get("gatewayResponses")),
            "x-amazon-apigateway-api-key-source": inputs.get("apiKeySource") or "HEADER",
        }
        if inputs.get("requestValidator"):
            swagger["x-amazon-apigateway-request-validators"] = {
                "ALL": {"validateRequestBody": True, "validateRequestParameters": True},
                "BODY_ONLY": {"validateRequestBody": True, "validateRequestParameters": False},
                "PARAMS_ONLY": {"validateRequestBody": False, "validateRequestParameters": True}}
            swagger["x-amazon-apigateway-request-validator"] = inputs["requestValidator"]
        for route in routes:
            if not isinstance(route, dict) or not isinstance(route.get("path"), str):
                continue
            route = {**route, "path": route["path"] if route["path"].startswith("/") else "/" + route["path"]}
            if route.get("eventHandler") is not None:
                self._lambda_route(swagger, route)
            elif route.get("localPath") is not None:
                self._static_route(swagger, route)
            elif route.get("target") is not None:
                self._target_route(swagger, route)
            elif route.get("data") is not None and route.get("method"):
                _add(swagger, route["path"], swagger_method(route["method"]), route["data"])
        return swagger

    def _lambda_route(self, swagger: dict, route: dict) -> None:
        method = swagger_method(route.get("method"))
        record, fn_id = self.function(route.get("eventHandler"))
        arn = self.known(record, "arn")
        uri = UNKNOWN if arn is UNKNOWN else \
            f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        operation = {"x-amazon-apigateway-integration": {"uri": uri, "passthroughBehavior": "when_no_match",
                                                         "httpMethod": "POST", "type": "aws_proxy"}}
        self._options(swagger, operation, route)
        _add(swagger, route["path"], method, operation)
        if record is not None:
            self.body_deps.append(record.urn)
        self.lambdas.append((str(route.get("method")), route["path"], record, fn_id))

    def _options(self, swagger: dict, operation: dict, route: dict) -> None:
        for auth in route.get("authorizers") or []:
            self._authorizer(swagger, operation, auth)
        for param in route.get("requiredParameters") or []:
            if isinstance(param, dict):
                operation.setdefault("parameters", []).append(
                    {"name": param.get("name"), "in": param.get("in"), "required": True})
        if route.get("requestValidator"):
            operation["x-amazon-apigateway-request-validator"] = route["requestValidator"]
        if route.get("iamAuthEnabled"):
            operation["x-amazon-apigateway-auth"] = {"type": "AWS_IAM"}
        if route.get("apiKeyRequired"):
            swagger.setdefault("securityDefinitions", {})["api_key"] = {"type": "apiKey", "name": "x-api-key",
                                                                          "in": "header"}
            operation.setdefault("security", []).append({"api_key": []})

    def _authorizer(self, swagger: dict, operation: dict, auth) -> None:
        if not isinstance(auth, dict):
            return
        definitions = swagger.setdefault("securityDefinitions", {})
        name = auth.get("authorizerName") or f"{swagger['info']['title']}-authorizer-{len(definitions)}"
        handler = auth.get("handler")
        is_lambda = handler is not None
        if name not in definitions:
            sources = auth.get("identitySource")
            identity = ", ".join(sources) if isinstance(sources, list) else ""
            if is_lambda:
                uri = handler.get("uri") if isinstance(handler, dict) else None
                authorizer = {"type": auth.get("type"), "authorizerUri": uri if isinstance(uri, str) else UNKNOWN,
                              "identitySource": identity}
            else:
                authorizer = {"type": "cognito_user_pools", "identitySource": identity,
                              "providerARNs": [self._ref_arn(p) for p in auth.get("providerARNs") or []]}
            definitions[name] = {"type": "apiKey", "name": auth.get("parameterName"),
                                 "in": auth.get("parameterLocation") if is_lambda else "header",
                                 "x-amazon-apigateway-authtype": auth.get("authType") if is_lambda else
                                 "cognito_user_pools", "x-amazon-apigateway-authorizer": authorizer}
        methods = [] if is_lambda else list(auth.get("methodsToAuthorize") or [])
        operation.setdefault("security", []).append({name: methods})

    def _ref_arn(self, ref):
        record, given = self.function(ref)   # any resource reference: a user pool here
        if record is not None:
            self.body_deps.append(record.urn)
            return self.known(record, "arn")
        return given

    def _static_route(self, swagger: dict, route: dict) -> None:
        local = route["localPath"]
        path = local if os.path.isabs(local) else os.path.join(self.root, local)
        if self.bucket is None:
            bucket_name = "".join(c for c in self.name.lower() if c.isalnum() or c == "-")
            self.bucket = self.add("aws:s3/bucket:Bucket", bucket_name, {})
            self.body_deps.append(self.bucket.urn)
        method = swagger_method("GET")
        if os.path.isfile(path):
            key = self.name + sha1hash(f"{method}:{route['path']}")
            role = self._static_role(key)
            self._object(key, path, route.get("contentType"))
            operation = self._object_operation(key, role)
            self._options(swagger, operation, route)
            _add(swagger, route["path"], method, operation)
        elif os.path.isdir(path):
            self._static_folder(swagger, route, path, method)

    def _static_folder(self, swagger: dict, route: dict, path: str, method: str) -> None:
        server_path = route["path"] if route["path"].endswith("/") else route["path"] + "/"
        key = self.name + sha1hash(f"{method}:{server_path}")
        role = self._static_role(key)
        index = route.get("index")
        index_file = None if index is False else index if isinstance(index, str) else "index.html"
        start = os.path.join(path, "")
        for folder, dirs, files in os.walk(start):
            dirs.sort()
            for file in sorted(files):
                child = os.path.join(folder, file)
                child_key = key + "/" + os.path.relpath(child, start).replace(os.sep, "/")
                self._object(child_key, child, None)
                if index_file is not None and child == os.path.join(start, index_file):
                    operation = self._object_operation(child_key, role)
                    self._options(swagger, operation, route)
                    swagger["paths"][server_path] = {method: operation}
        operation = self._object_operation(key, role, "proxy")
        self._options(swagger, operation, route)
        _add(swagger, server_path + "{proxy+}", swagger_method("ANY"), operation)

    def _static_role(self, key: str) -> Record:
        role = self.add("aws:iam/role:Role", key, {"assumeRolePolicy": json.dumps(APIGATEWAY_TRUST)})
        self.add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", key,
                 {"role": self.known(role, "id") if not self.preview else role.urn, "policyArn": S3_FULL_ACCESS},
                 {"role": [role.urn]})
        self.body_deps.append(role.urn)
        return role

    def _object(self, key: str, path: str, content_type) -> None:
        assert self.bucket is not None
        inputs = {"bucket": self.known(self.bucket, "id") if not self.preview else self.bucket.urn, "key": key}
        if content_type:
            inputs["contentType"] = content_type
        self.add("aws:s3/bucketObject:BucketObject", key, inputs, {"bucket": [self.bucket.urn]})

    def _object_operation(self, key: str, role: Record, parameter: str | None = None) -> dict:
        bucket = self.known(self.bucket, "bucket")
        uri = UNKNOWN if bucket is UNKNOWN else \
            f"arn:aws:apigateway:{self.region}:s3:path/{bucket}/{key}" + (f"/{{{parameter}}}" if parameter else "")
        integration: dict = {"credentials": self.known(role, "arn"), "uri": uri, "passthroughBehavior": "when_no_match",
                             "httpMethod": "GET", "type": "aws",
                             "responses": {"4\\d{2}": {"statusCode": "400"}, "5\\d{2}": {"statusCode": "500"},
                                           "default": {"statusCode": "200"}}}
        operation: dict = {"responses": {"200": {"description": "200 response"}, "400": {"description": "400 response"},
                                         "500": {"description": "500 response"}},
                           "x-amazon-apigateway-integration": integration}
        if parameter:
            operation["parameters"] = [{"name": parameter, "in": "path", "required": True, "type": "string"}]
            integration["requestParameters"] = {f"integration.request.path.{parameter}": f"method.request.path.{parameter}"}
        return operation

    def _target_route(self, swagger: dict, route: dict) -> None:
        target = route["target"] if isinstance(route["target"], dict) else {}
        base = route["path"] if route["path"].endswith("/") else route["path"] + "/"
        for path, proxy in ((base, False), (base + "{proxy+}", True)):
            uri = target.get("uri")
            if isinstance(uri, str):
                uri = (uri if uri.endswith("/") else uri + "/") + ("{proxy}" if proxy else "")
            integration = {"responses": {"default": {"statusCode": "200"}}, "uri": uri if uri is not None else UNKNOWN,
                           "type": target.get("type") or "http_proxy",
                           "passthroughBehavior": target.get("passthroughBehaviour") or "when_no_match",
                           "httpMethod": "ANY"}
            for key in ("connectionType", "connectionId"):
                if target.get(key) is not None:
                    integration[key] = target[key]
            operation: dict = {"x-amazon-apigateway-integration": integration}
            if proxy:
                operation["parameters"] = [{"name": "proxy", "in": "path", "required": True, "type": "string"}]
                integration["requestParameters"] = {"integration.request.path.proxy": "method.request.path.proxy"}
            self._options(swagger, operation, route)
            _add(swagger, path, swagger_method("ANY"), operation)

    def _api(self, inputs: dict, body, title) -> None:
        api_inputs = {"name": title, "binaryMediaTypes": inputs.get("binaryMediaTypes") or ["*/*"], "body": body}
        for key in ("apiKeySource", "description", "disableExecuteApiEndpoint", "tags"):
            if inputs.get(key) is not None:
                api_inputs[key] = inputs[key]
        api = self.add("aws:apigateway/restApi:RestApi", self.name, api_inputs,
                       {"body": sorted(set(self.body_deps))})
        api_id = self.known(api, "id") if not self.preview else api.urn
        deployment = self.add("aws:apigateway/deployment:Deployment", self.name,
                              {"restApi": api_id, "variables": {"version": UNKNOWN if self.preview else
                                                                 sha1hash(json.dumps(body))}},
                              {"restApi": [api.urn], "variables": [api.urn]})
        permissions = []
        execution_arn = self.known(api, "executionArn")
        for method, path, record, fn_id in self.lambdas:
            method_and_path = f"{'*' if method.upper() == 'ANY' else method}{path}"
            function = fn_id if not self.preview else (record.urn if record is not None else fn_id)
            permissions.append(self.add(
                "aws:lambda/permission:Permission", f"{self.name}-{sha1hash(method_and_path)}",
                {"action": "lambda:invokeFunction", "function": function, "principal": "apigateway.amazonaws.com",
                 "sourceArn": UNKNOWN if execution_arn is UNKNOWN else f"{execution_arn}/*/{method_and_path}"},
                {"function": [record.urn] if record is not None else [], "sourceArn": [api.urn]}))
        stage = self.add("aws:apigateway/stage:Stage", self.name,
                         {"restApi": api_id, "deployment": self.known(deployment, "id") if not self.preview
                          else deployment.urn, "stageName": inputs.get("stageName") or "stage"},
                         {"restApi": [api.urn], "deployment": [deployment.urn]})
        stage.dependencies = sorted(set(stage.dependencies) | {p.urn for p in permissions})


def _add(swagger: dict, path: str, method: str, operation) -> None:
    swagger["paths"].setdefault(path, {})[method] = operation


def _gateway_responses(given) -> dict:
    responses = dict(given) if isinstance(given, dict) else {}
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"):
        responses.setdefault(kind, {"statusCode": 404,
                                    "responseTemplates": {"application/json": "{\"message\": \"404 Not found\" }"}})
    return responses
