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


def test_policy_pack_builds_its_servicer_by_module_level_name():
    src = inspect.getsource(sdk.PolicyPack.__init__)
    assert "_PolicyAnalyzerServicer(" in src, "PolicyPack no longer constructs _PolicyAnalyzerServicer by name"


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
