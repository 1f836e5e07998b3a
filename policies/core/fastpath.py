"""The one module that touches pulumi_policy internals: a servicer without the per-policy cost.

The SDK's ``_PolicyAnalyzerServicer`` calls every resource policy for every resource and
re-deserializes the request's properties for each policy (and, in AnalyzeStack, every resource for
each stack policy). ``GuardServicer`` keeps everything else the SDK does - enforcement levels from
``Configure``, DISABLED skipped, REMEDIATE reported as MANDATORY, not-applicable, the "can't run
policy during preview" advisory for unknowns, the violation message format, Remediate and
GetAnalyzerInfo untouched - but:
- dispatches Analyze by resource type to the policies that declared it, in pack order;
- decodes the properties once per request (and every stack resource once per AnalyzeStack) and
  shares that read-only view and one ``StackIndex`` among the policies;
- runs each policy through ``runtime.evaluate`` and its error boundary.

The SDK seam, in this one module: ``GuardServicer`` subclasses the SDK's servicer (a private class, the
only way to keep what the SDK does for Configure, Remediate's not-applicable answers, GetAnalyzerInfo and
its violation format without copying them) and reads its private state through one accessor each;
``serve`` builds and serves it the way ``PolicyPack`` does, replacing nothing in the SDK. Written for
pulumi-policy 1.21.0 (pinned in requirements.txt); ``tests/test_sdk_assumptions.py`` fails on any other
version, and names the assumption if a new version changes what this relies on.
"""
from __future__ import annotations

import gc
import re
import threading

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import policy as sdk
from pulumi_policy.policy import EnforcementLevel

from . import callmemo, governance, native
from .resource import Resource, Undecided
from .runtime import covered_by, evaluate, fix_passes, formatted, moot, remediation, supersede
from .values import set_path
from .stack import StackIndex

SDK_VERSION = "1.21.0"
_Base = sdk._PolicyAnalyzerServicer


class GuardServicer(_Base):
    def __init__(self, name, version, policies, *args, context: governance.Context = governance.DEFAULT_CONTEXT,
                 **kwargs):
        foreign = [p.name for p in policies if getattr(p, "rule", None) is None]
        if foreign:
            raise TypeError(f"GuardServicer only runs serverless-guard rules; not one: {', '.join(foreign)}")
        # PolicyPack always passes "0.0.1" (the CLI shows PulumiPolicy.yaml's version, but the pack's own
        # notices would say 0.0.1): use the pack's version.
        from .. import __version__

        super().__init__(name, __version__, policies, *args, **kwargs)
        self.context = context   # the pack's run-time settings (frozen)
        self._by_type: dict = {}
        self._lock = threading.Lock()
        self._all_policies = list(policies)
        # a resource rule related to a stack rule runs with the stack, where the two are weighed together: it
        # declares phase="stack" (checked when the registry is frozen: rule.phase_problems)
        self._resource_policies = [p for p in policies if getattr(p, "rule").phase == "resource"]
        self._stack_policies = [p for p in policies if getattr(p, "rule").phase == "stack"]

    # SDK private state, read through one accessor each so the assumption tests can name them.
    @property
    def _pack_name(self) -> str:
        return getattr(self, "_PolicyAnalyzerServicer__policy_pack_name")

    @property
    def _pack_version(self) -> str:
        return getattr(self, "_PolicyAnalyzerServicer__policy_pack_version")

    @property
    def _stack_tags(self) -> dict:
        return getattr(self, "_PolicyAnalyzerServicer__stack_tags")

    _configured = threading.local()

    def Configure(self, request, context):
        self._configs = {}
        return super().Configure(request, context)

    def _get_policy_config(self, name: str):
        """The SDK's config of a policy, one object per policy between Configure calls (the SDK copies
        it on every call), so what is derived from it is derived once (``runtime.rule_config``)."""
        configs = self.__dict__.setdefault("_configs", {})
        if name not in configs:
            configs[name] = super()._get_policy_config(name)
        return configs[name]

    def _configure_runtime_settings(self) -> None:
        """The SDK configures Pulumi's runtime settings from the environment on every call (at about
        0.1 ms, for ``inspect.signature``); the environment does not change, so once per thread (a
        setting set on one gRPC worker thread is not seen on another)."""
        if not getattr(self._configured, "done", False):
            super()._configure_runtime_settings()
            self._configured.done = True

    def _policies_for(self, type_: str) -> list:
        found = self._by_type.get(type_)
        if found is None:
            found = [p for p in self._resource_policies if type_ in getattr(p, "rule").types]
            with self._lock:
                self._by_type[type_] = found
        return found

    def _unknown_diagnostic(self, response, group: list, message: str) -> None:
        # The SDK's UnknownValueError text, level and fields, once for every policy stopped by the value.
        policy = group[0]
        others = f" (and {', '.join(repr(p.name) for p in group[1:])})" if len(group) > 1 else ""
        response.diagnostics.append(proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=self._pack_version,
            message=(f"can't run policy '{policy.name}'{others} from policy pack "
                     f"'{self._pack_name}@v{self._pack_version}' during preview: {message}"),
            urn="",
            description=policy.description,
            enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
        ))

    def _emit(self, response, policy, level, outcomes) -> None:
        report = None
        for o in map(formatted, outcomes):
            if o.crash:
                # Fail closed: a rule that could not decide is reported at the policy's own level (a
                # mandatory rule stops the preview); ``failClosed: false`` makes it advisory.
                crash_level = level if self.context.fail_closed else EnforcementLevel.ADVISORY
                self._create_report_violation(response, policy.name, policy.description, crash_level,
                                              policy.severity)(o.message, o.urn or None)
            elif o.exempt is not None:
                self._create_report_violation(response, policy.name, policy.description, EnforcementLevel.ADVISORY,
                                              policy.severity)(o.message, o.urn or None)
            else:
                if report is None:
                    report = self._create_report_violation(response, policy.name, policy.description, level,
                                                           policy.severity)
                report(o.message, o.urn or None)

    def _level(self, policy):
        level = self._get_enforcement_level(policy)
        if level == EnforcementLevel.DISABLED:
            return None
        return EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level

    def _run(self, response, policies, subject) -> None:
        """Every enabled policy on one subject (a resource, or the stack index).

        Policies that cannot decide because of the same unknown value of the same resource give one
        "can't run" notice together (one per resource per unknown input, not one per policy)."""
        undecided: dict = {}
        results = []
        for policy in policies:
            level = self._level(policy)
            if level is None:
                continue
            try:
                outcomes = evaluate(policy.rule, subject, self._get_policy_config(policy.name), self._stack_tags,
                                    "mandatory" if level == EnforcementLevel.MANDATORY else "advisory", deferred=True)
            except Undecided as exc:
                undecided.setdefault(exc.message, []).append((policy, exc))
                continue
            results.append((policy, level, outcomes))
        # one exposure, one finding: the relations the rules declare (Rule.superseded_by), applied here
        kept = supersede([(policy.rule, outcomes) for policy, _, outcomes in results])
        for (policy, level, _), (_, outcomes) in zip(results, kept):
            self._emit(response, policy, level, outcomes)
        covered = covered_by([(policy.rule, outcomes) for policy, _, outcomes in results]) if undecided else {}
        for message, group in undecided.items():
            policies_left = [policy for policy, exc in group if not moot(policy.rule, exc, covered)]
            if policies_left:
                self._unknown_diagnostic(response, policies_left, message)

    def Analyze(self, request, _context):
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        if native.is_native(request.type):
            self._analyze_native(response, request)
            return response
        policies = self._policies_for(request.type)
        if policies:
            resource = Resource.from_struct(request.type, request.name, request.urn, request.properties,
                                            parent=request.options.parent, context=self.context)
            self._run(response, policies, resource)
        return response

    def _analyze_native(self, response, request) -> None:
        """An aws-native resource: each of its pulumi-aws views is judged by the rules of the view's type."""
        if not native.has_view(request.type):
            return
        resource = Resource.from_struct(request.type, request.name, request.urn, request.properties,
                                        parent=request.options.parent, context=self.context)
        for view in native.translate(resource):
            policies = self._policies_for(view.type)
            if policies:
                self._run(response, policies, view)

    def AnalyzeStack(self, request, _context):
        """The stack policies on every resource, decoded once. The cyclic garbage collector is paused for the
        whole call: the decoded stack is hundreds of thousands of live objects, and each collection that the
        rules' small allocations (a redactor's sets, a finding's strings) triggered walked all of them (a
        third of the call at 1,000 resources). Nothing made here is cyclic garbage that must go before the
        call ends; collection resumes after it."""
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        if self._stack_policies:
            enabled = gc.isenabled()
            gc.disable()
            try:
                with callmemo.stack_call():
                    self._run(response, self._stack_policies, _decode_stack(request, self.context))
            finally:
                if enabled:
                    gc.enable()
        return response

    def _fixers_for(self, type_: str) -> list:
        key = ("fix", type_)
        found = self._by_type.get(key)
        if found is None:
            found = [p for p in self._all_policies if p.rule.fix is not None and type_ in p.rule.fix_types]
            with self._lock:
                self._by_type[key] = found
        return found

    def Remediate(self, request, _context):
        """The engine's Remediate, before Analyze, for every resource: each policy at level remediate
        that declares a fix for this type may rewrite properties; the result of one is the input of the
        next, as in the SDK. Properties are decoded through the same boundary as Analyze; a fix is
        applied path by path to a copy of the engine's Struct (so every other input, secret or unknown,
        is sent back exactly as it came), and only if the rule then passes. A fix that raises becomes a
        diagnostic of its own and leaves the properties as they were."""
        self._configure_runtime_settings()
        response = proto.RemediateResponse()
        fixers = [p for p in self._fixers_for(request.type)
                  if self._get_enforcement_level(p) == EnforcementLevel.REMEDIATE]
        for policy in self._policies_for(request.type):
            if self._get_enforcement_level(policy) == EnforcementLevel.REMEDIATE and policy not in fixers:
                response.not_applicable.append(proto.PolicyNotApplicable(
                    policy_name=policy.name, reason="Policy does not implement remediate"))
        current = None
        for policy in fixers:
            props = current if current is not None else request.properties
            resource = Resource.from_struct(request.type, request.name, request.urn, props,
                                            parent=request.options.parent, context=self.context)
            config = self._get_policy_config(policy.name)
            try:
                changes = remediation(policy.rule, resource, config, self._stack_tags)
            except Exception as exc:  # noqa: BLE001 - the error boundary: never a failed call
                response.remediations.append(proto.Remediation(
                    policyName=policy.name, policyPackName=self._pack_name, policyPackVersion=self._pack_version,
                    description=policy.description,
                    diagnostic=(f"remediation of policy '{policy.name}' failed on {resource.label()} "
                                f"({type(exc).__name__}); the properties were left as they were")))
                continue
            if not changes:
                continue
            fixed = struct_pb2.Struct()
            fixed.CopyFrom(props)
            if not all(set_path(fixed, path, value, _carries_secret(resource, path, value))
                       for path, value in sorted(changes.items())):
                continue
            after = Resource.from_struct(request.type, request.name, request.urn, fixed, parent=request.options.parent,
                                         context=self.context)
            if not fix_passes(policy.rule, after, config):
                continue
            current = fixed
            response.remediations.append(proto.Remediation(
                policyName=policy.name, policyPackName=self._pack_name, policyPackVersion=self._pack_version,
                description=policy.description, properties=fixed))
        return response


def _carries_secret(resource: Resource, path: str, value) -> bool:
    """Whether a fix's new value must be sent secret-marked: it replaces a secret (or sits inside one),
    or it holds the text of a value the program marked secret (a fix that rewrote a secret policy)."""
    if resource.is_secret(path):
        return True
    marked = [v for v, mark in resource.leaves().items() if mark is True and len(v) >= 4]
    if not marked:
        return False
    import json

    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return any(v in text for v in marked)


def _decode_stack(request, context: governance.Context) -> StackIndex:
    """Every resource of the request decoded once, each through the decode boundary (one resource that
    cannot be read costs only its own findings). The cyclic garbage collector is paused meanwhile:
    decoding creates hundreds of thousands of small acyclic containers, and collections triggered by
    their allocation made the cost grow faster than the stack (``AnalyzeStack`` pauses it for the whole call;
    this keeps it paused for any other caller)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return StackIndex(native.views(Resource.from_wire(r, context) for r in request.resources), context)
    finally:
        if enabled:
            gc.enable()



def serve(context: governance.Context = governance.DEFAULT_CONTEXT, pipe=None, *, name: str, policies: list,
          enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY, initial_config: dict | None = None,
          description: str | None = None, display_name: str | None = None, readme: str | None = None,
          provider: str | None = None, tags: list | None = None, repository: str | None = None) -> None:
    """Serve the pack as ``PolicyPack(...)`` does, with ``GuardServicer`` as its servicer.

    ``PolicyPack.__init__`` checks its arguments, constructs the SDK's servicer by name, starts a gRPC server
    (four worker threads, a 400 MB message limit), prints the port and never returns: it offers no way to
    give it another servicer or to get its servicer out. So this does the same steps itself, with the same
    servicer arguments and server options (``tests/test_sdk_assumptions.py`` reads ``PolicyPack.__init__``
    and fails if either changes), and replaces nothing in the SDK. With ``pipe`` (a function of the
    servicer), the servicer is handed to it instead of a gRPC server being started: ``scan``'s pipe
    transport (``engine/pipe.py``).
    """
    if not PACK_NAME.match(name) or not policies or not all(isinstance(p, sdk.Policy) for p in policies):
        raise TypeError(f"not a policy pack: name {name!r}, {len(policies)} policies")
    # PolicyPack passes "0.0.1" (the CLI shows PulumiPolicy.yaml's version); GuardServicer reports the pack's own.
    servicer = GuardServicer(name, "0.0.1", policies, enforcement_level, initial_config, description, display_name,
                             readme, provider, tags, repository, context=context)
    if pipe is not None:
        pipe(servicer)
        return
    import sys
    from concurrent import futures

    import grpc
    from pulumi.runtime.proto import analyzer_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=SERVER_THREADS),
                         options=[("grpc.max_receive_message_length", MAX_MESSAGE)])
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)


# What PolicyPack.__init__ of pulumi-policy SDK_VERSION uses (read back by tests/test_sdk_assumptions.py).
PACK_NAME = re.compile(r"^[a-zA-Z0-9-_.]{1,100}$")
SERVER_THREADS = 4
MAX_MESSAGE = 1024 * 1024 * 400
