"""What policies/core/fastpath.py relies on in pulumi_policy. Each test names the assumption, so an
SDK upgrade that breaks one fails here first, loudly."""
import inspect

import pulumi_policy
from pulumi_policy import policy as sdk

from policies.core import fastpath


def test_sdk_version_is_the_one_fastpath_was_written_for():
    from importlib.metadata import version

    assert version("pulumi_policy") == fastpath.SDK_VERSION, (
        "fastpath.GuardServicer re-implements Analyze/AnalyzeStack of pulumi-policy "
        f"{fastpath.SDK_VERSION}; review it against the new SDK before bumping the pin")


def test_serve_builds_and_serves_the_servicer_as_policy_pack_does():
    """``fastpath.serve`` repeats PolicyPack's steps with GuardServicer: the same servicer arguments in the same
    order, the same name check, the same server (threads, message limit, loopback port printed on stdout)."""
    src = inspect.getsource(sdk.PolicyPack.__init__)
    call = src[src.index("_PolicyAnalyzerServicer("):]
    args = [a.strip() for a in call[call.index("(") + 1:call.index("server =")].split(",")]
    assert args[:4] == ["name", "version", "policies",
                        "enforcement_level if enforcement_level is not None else EnforcementLevel.ADVISORY"]
    assert [a.rstrip(")") for a in args[4:] if a] == ["initial_config", "description", "display_name", "readme",
                                                      "provider", "tags", "repository"]
    for fragment in ('version = "0.0.1"', f"max_workers={fastpath.SERVER_THREADS}", "options=_GRPC_CHANNEL_OPTIONS",
                     'add_insecure_port(address="127.0.0.1:0")', 'sys.stdout.buffer.write(f"{port}\\n".encode())',
                     "_POLICY_PACK_NAME_RE.match(name)"):
        assert fragment in src, f"PolicyPack.__init__ changed: no longer contains {fragment!r}"
    assert sdk._GRPC_CHANNEL_OPTIONS == [("grpc.max_receive_message_length", fastpath.MAX_MESSAGE)]
    assert sdk._POLICY_PACK_NAME_RE.pattern == fastpath.PACK_NAME.pattern
    assert inspect.signature(sdk._PolicyAnalyzerServicer.__init__).parameters.keys() == {
        "self", "name", "version", "policies", "enforcement_level", "initial_config", "description", "display_name",
        "readme", "provider", "tags", "repository"}


def test_nothing_in_the_sdk_is_replaced_when_the_pack_is_built():
    """Building the pack (``serve`` with a pipe, as ``scan`` starts it) leaves every SDK name as it was."""
    from policies.core.runtime import build_policies
    from policies import REGISTRY

    before = dict(vars(sdk))
    got = []
    fastpath.serve(name="serverless-guard", policies=build_policies([REGISTRY["sqs-encryption"]]), pipe=got.append)
    assert isinstance(got[0], fastpath.GuardServicer) and got[0].context is fastpath.governance.DEFAULT_CONTEXT
    assert dict(vars(sdk)) == before


def test_servicer_private_state_and_helpers_exist():
    for name in ("_get_enforcement_level", "_create_report_violation", "_get_policy_config",
                 "_configure_runtime_settings", "_map_enforcement_level"):
        assert callable(getattr(sdk._PolicyAnalyzerServicer, name, None)), f"servicer helper {name} is gone"
    init = inspect.getsource(sdk._PolicyAnalyzerServicer.__init__)
    for attr in ("__policy_pack_name", "__policy_pack_version", "__stack_tags", "__policies"):
        assert f"self.{attr} =" in init, f"servicer attribute {attr} is gone"


def test_sdk_analyze_still_does_what_fastpath_reproduces():
    src = inspect.getsource(sdk._PolicyAnalyzerServicer.Analyze)
    for fragment in ("EnforcementLevel.DISABLED", "EnforcementLevel.REMEDIATE", "EnforcementLevel.MANDATORY",
                     "except UnknownValueError", "during preview: {e.message}", "except _NotApplicableError"):
        assert fragment in src, f"SDK Analyze changed: no longer contains {fragment!r}"
    report = inspect.getsource(sdk._PolicyAnalyzerServicer._create_report_violation)
    assert 'violation_message += f"\\n{message}"' in report, "violation message format changed"


def test_wire_constants_match_the_sdk():
    from pulumi_policy import deserialize, proxy

    from policies.core import values

    assert deserialize.SPECIAL_SIG_KEY == values.SIG_KEY and deserialize.SPECIAL_SECRET_SIG == values.SECRET_SIG
    sentinels = {getattr(proxy, n) for n in dir(proxy) if n.startswith("UNKNOWN_") and n.endswith("_VALUE")}
    assert sentinels == set(values.UNKNOWN_SENTINELS)
    assert pulumi_policy.EnforcementLevel("advisory")
