"""What reaches what: which API, load balancer, URL or permission invokes which function. Shared by the
exposure rules (``lambda-reserved-concurrency``, ``lambda-timeout-excessive``) and the exposure map of
``scan --html`` (``policies/exposure.py``), so a rule and the map always agree on what is behind what.

Each function returns ``{entry URN: {function URNs}}``; the rules read the union.
"""
from __future__ import annotations

import re

from . import aws

LOAD_BALANCER, LISTENER, TARGET_GROUP, TARGET_ATTACHMENT = (aws.LOAD_BALANCER, aws.LISTENER, aws.TARGET_GROUP,
                                                             aws.TARGET_ATTACHMENT)


# A quick-create HTTP API (``target``) gets a $default stage API Gateway makes itself: the program cannot give
# it access logs or throttling; declaring the integration, route and stage can (apigw-access-logging,
# apigw-throttling).
QUICK_CREATE = ("is a quick-create API (target), whose $default stage API Gateway creates with no settings: it "
                "{what}. Declare an Integration, a Route and a Stage with the settings instead of target.")


def _add(out: dict, entry, functions) -> None:
    if entry is not None:
        out.setdefault(entry.urn, set()).update(f.urn for f in functions)


def api_routes(stack, through_events: bool = True) -> dict:
    """API (REST or HTTP) URN -> URNs of the functions its requests reach: through a REST or HTTP integration,
    an OpenAPI body's x-amazon-apigateway-integration, a quick-create HTTP API's ``target``, and (with
    ``through_events``) an integration that puts events on an EventBridge bus whose rules target the function,
    which the API does not wait for. An integration whose API is not in the stack is filed under the
    integration itself."""
    routes = stack.cached(("api-routes",), lambda: _direct_routes(stack))
    if not through_events:
        return routes
    merged = {k: set(v) for k, v in routes.items()}
    for api_urn, fns in _through_eventbridge(stack).items():
        merged.setdefault(api_urn, set()).update(fns)
    return merged


def _direct_routes(stack) -> dict:
    out: dict = {}
    for integ in stack.of_type(aws.REST_INTEGRATION):
        api = next(iter(stack.targets(integ, "restApi", aws.REST_API)), integ)
        _add(out, api, stack.targets(integ, "uri", aws.FUNCTION))
    for integ in stack.of_type(aws.HTTP_INTEGRATION):
        api = next(iter(stack.targets(integ, "apiId", aws.HTTP_API)), integ)
        _add(out, api, stack.targets(integ, "integrationUri", aws.FUNCTION))
    for api in stack.of_type(aws.HTTP_API):
        _add(out, api, stack.targets(api, "target", aws.FUNCTION))
    for api_urn, fns in _openapi_functions(stack).items():
        out.setdefault(api_urn, set()).update(fns)
    return {k: v for k, v in out.items() if v}


def api_functions(stack) -> set:
    """URNs of functions an API Gateway request reaches (``api_routes``)."""
    return {f for fns in api_routes(stack).values() for f in fns}


_INVOKE_URI = re.compile(r"functions/(arn:[^/\s\"']+)/invocations")


def _openapi_functions(stack) -> dict:
    from . import openapi

    by_arn: dict = {}
    for fn in stack.of_type(aws.FUNCTION):
        arn = fn.get("arn")
        if isinstance(arn, str):
            by_arn[arn] = fn.urn
    out: dict = {}
    for api in stack.of_type(aws.REST_API):
        found = openapi.routes(api.get("body")) or []
        reached: set = set()
        for route in found:
            m = _INVOKE_URI.search(route.uri)
            if m:
                arn = m.group(1)
                urn = by_arn.get(arn) or by_arn.get(arn.rsplit(":", 1)[0])   # a qualified ARN (alias, version)
                reached.update([urn] if urn else [])
        if found and not reached:   # the body names the function by a value only known after the update
            reached.update(f.urn for f in stack.targets(api, "body", aws.FUNCTION))
        if reached:
            out[api.urn] = reached
    return out


def _through_eventbridge(stack) -> dict:
    """API URN -> functions targeted by a rule on a bus that one of its integrations puts events on."""
    out: dict = {}
    for integ, api_type, api_prop, prop in ((i, aws.HTTP_API, "apiId", "requestParameters")
                                            for i in stack.of_type(aws.HTTP_INTEGRATION)):
        if str(integ.get("integrationSubtype") or "").startswith("EventBridge-PutEvents"):
            default = integ.get("requestParameters.EventBusName") in (None, "default")
            _add_bus_targets(stack, out, integ, api_type, api_prop, prop, default)
    for integ in stack.of_type(aws.REST_INTEGRATION):
        if ":events:action/PutEvents" in str(integ.get("uri") or ""):
            _add_bus_targets(stack, out, integ, aws.REST_API, "restApi", "requestTemplates", True)
    return out


def _add_bus_targets(stack, out: dict, integ, api_type: str, api_prop: str, prop: str, default_ok: bool) -> None:
    named = stack.targets(integ, prop, aws.EVENT_BUS)
    rules = [r for bus in named for r in stack.referrers(bus, aws.EVENT_RULE, prop="eventBusName")]
    if not named and default_ok:
        rules += stack.cached("default-bus-rules", lambda: [
            r for r in stack.of_type(aws.EVENT_RULE) if r.get("eventBusName") in (None, "default")])
    api = next(iter(stack.targets(integ, api_prop, api_type)), integ)
    for rule in rules:
        for target in stack.referrers(rule, aws.EVENT_TARGET, prop="rule"):
            _add(out, api, stack.targets(target, "arn", aws.FUNCTION))


def load_balancer_routes(stack) -> dict:
    """Internet-facing load balancer URN -> URNs of the functions its listeners forward to (a Lambda target
    group's attachments). An internal load balancer is no entry from the internet."""
    def build() -> dict:
        out: dict = {}
        for lb in stack.of_type(*LOAD_BALANCER):
            if lb.get("internal") is True:
                continue
            for listener in stack.referrers(lb, *LISTENER, prop="loadBalancerArn"):
                for group in stack.targets(listener, "defaultActions", *TARGET_GROUP):
                    for attachment in stack.referrers(group, *TARGET_ATTACHMENT, prop="targetGroupArn"):
                        _add(out, lb, stack.targets(attachment, "targetId", aws.FUNCTION))
        return {k: v for k, v in out.items() if v}
    return stack.cached(("load-balancer-routes",), build)


def public_invocations(stack) -> dict:
    """Function URL or permission URN -> the function anyone may invoke through it: a NONE function URL, or
    a permission for principal ``*`` with no source condition."""
    out: dict = {}
    for url in stack.of_type(aws.FUNCTION_URL):
        if url.get("authorizationType") == "NONE":
            _add(out, url, stack.targets(url, "functionName", aws.FUNCTION))
    for p in stack.of_type(aws.PERMISSION):
        if p.get("principal") == "*" and not any(p.get(k) for k in ("principalOrgId", "sourceAccount", "sourceArn")):
            _add(out, p, stack.targets(p, "function", aws.FUNCTION))
    return {k: v for k, v in out.items() if v}


def public_functions(stack) -> set:
    """URNs of functions with a public invocation path (``public_invocations``)."""
    return {f for fns in public_invocations(stack).values() for f in fns}


def queue_consumers(stack) -> set:
    return {f.urn for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING)
            for f in stack.targets(esm, "functionName", aws.FUNCTION)}
