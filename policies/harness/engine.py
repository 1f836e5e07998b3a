"""Play the Pulumi engine's part for a policy pack, over real gRPC.

The pack is started exactly as the CLI's shim ``pulumi-analyzer-policy-python`` starts it:
``python -u -m pulumi.policy <engine-address> .`` in the pack directory with the ``PULUMI_*``
environment; its first stdout line is the port. The conversation follows the engine's order:
Handshake, ConfigureStack, GetPluginInfo, GetAnalyzerInfo, Configure (config merged and validated
as the CLI does), then Remediate and Analyze per resource in registration (dependency) order, and
AnalyzeStack once with every resource's outputs.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass

LEVELS = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}
SEVERITIES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}
PACK_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ConfigError(Exception):
    """Policy pack config that the CLI would refuse (unknown policy, bad level, schema violation)."""


@dataclass
class Diagnostic:
    policy: str
    level: str
    severity: str
    message: str
    urn: str
    resource: str      # the resource name (from the URN the engine attaches)
    phase: str         # "analyze" or "stack"
    exemption: dict | None = None   # {"reason", "expires", "source"} of an exempted finding, as data


class PackProcess:
    def __init__(self, pack_dir: str = PACK_DIR, stack: str = "dev", project: str = "app",
                 organization: str = "acme", dry_run: bool = False, stack_config: dict | None = None,
                 python: str | None = None, extra_env: dict | None = None, command: list | None = None):
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        env = dict(os.environ)
        env.update({
            "PULUMI_STACK": stack, "PULUMI_PROJECT": project, "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
            "PULUMI_CONFIG": json.dumps(stack_config or {}),
        })
        # the key that lets this process, and only it, read each finding's fields as data (exemptions)
        self.report_key = secrets.token_hex(16)
        env["SERVERLESS_GUARD_REPORT_KEY"] = self.report_key
        env.update(extra_env or {})
        self.stack, self.project, self.organization, self.dry_run = stack, project, organization, dry_run
        self.stack_config = stack_config or {}
        started = time.perf_counter()
        # ``command`` starts another kind of pack (the benchmark's Node.js AWSGuard); the engine address
        # and the pack directory are appended, as the CLI's shims do.
        argv = [*command, "127.0.0.1:1", "."] if command else \
            [python or sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."]
        self.proc = subprocess.Popen(
            argv,
            cwd=pack_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        line = self.proc.stdout.readline().decode().strip()
        self.start_seconds = time.perf_counter() - started
        if not line.isdigit():
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            err = self.proc.stderr.read().decode(errors="replace")
            raise RuntimeError(f"the policy pack did not start (first line {line!r}):\n{err}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=[("grpc.max_receive_message_length", 400 * 1024 * 1024),
                                                      ("grpc.max_send_message_length", 400 * 1024 * 1024)])
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = None
        self.remediations: list = []

    # --- the conversation -----------------------------------------------------------------------
    def start(self, policy_config: dict | None = None, stack_tags: dict | None = None):
        """Handshake, ConfigureStack, GetPluginInfo, GetAnalyzerInfo, Configure."""
        import grpc
        from google.protobuf import empty_pb2, struct_pb2
        from pulumi.runtime.proto import analyzer_pb2 as pb

        try:
            self.stub.Handshake(pb.AnalyzerHandshakeRequest(engine_address="127.0.0.1:1", root_directory=".",
                                                            program_directory="."))
        except grpc.RpcError as exc:  # the Python SDK does not implement it; the engine carries on
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        cfg = struct_pb2.Struct()
        cfg.update({k: str(v) for k, v in self.stack_config.items()})
        self.stub.ConfigureStack(pb.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, organization=self.organization, dry_run=self.dry_run,
            config=cfg, tags=stack_tags or {}))
        self.stub.GetPluginInfo(empty_pb2.Empty())
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        merged = merge_config(self.info, policy_config or {})
        request = pb.ConfigureAnalyzerRequest()
        for name, (level, props) in merged.items():
            pc = pb.PolicyConfig(enforcementLevel=_LEVEL_CODES[level])  # type: ignore[arg-type]
            pc.properties.SetInParent()  # the engine always sends a Struct, empty or not (the Node SDK relies on it)
            pc.properties.update(props)
            request.policyConfig[name].CopyFrom(pc)
        self.stub.Configure(request)
        self.effective = merged
        return self

    def remediate(self, record, props=None) -> tuple:
        """The engine's Remediate for one resource: (remediated properties, [Change]). The properties
        are the last remediation's (each one's output is the next one's input), or the inputs."""
        from google.protobuf import json_format
        from pulumi.runtime.proto import analyzer_pb2 as pb

        props = props if props is not None else _struct(record.inputs)
        before = json_format.MessageToDict(props)
        opts = pb.AnalyzerResourceOptions(parent=record.parent or "")
        rem = self.stub.Remediate(pb.AnalyzeRequest(type=record.type, properties=props, urn=record.urn,
                                                    name=record.name, options=opts))
        changes = []
        for r in rem.remediations:
            after = json_format.MessageToDict(r.properties) if r.properties.fields else None
            changes.append(Change(record.urn, record.name, record.type, r.policyName,
                                  diff(before, after) if after is not None else {}, r.diagnostic))
            if after is not None:
                props, before = r.properties, after
        return props, changes

    def remediate_and_analyze(self, record) -> tuple:
        """Remediate then Analyze one resource; returns (diagnostics, remediated inputs, response)."""
        from pulumi.runtime.proto import analyzer_pb2 as pb

        props, changes = self.remediate(record)
        self.remediations.extend(changes)
        opts = pb.AnalyzerResourceOptions(parent=record.parent or "")
        resp = self.stub.Analyze(pb.AnalyzeRequest(type=record.type, properties=props, urn=record.urn,
                                                   name=record.name, options=opts))
        return [_diag(d, record.urn, "analyze", self.report_key) for d in resp.diagnostics], props, resp

    def analyze_stack(self, records) -> tuple:
        from pulumi.runtime.proto import analyzer_pb2 as pb

        resources = []
        for r in records:
            deps = {k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()}
            resources.append(pb.AnalyzerResource(
                type=r.type, properties=_struct(r.outputs), urn=r.urn, name=r.name,
                options=pb.AnalyzerResourceOptions(parent=r.parent or ""), parent=r.parent or "",
                dependencies=r.dependencies, propertyDependencies=deps))
        resp = self.stub.AnalyzeStack(pb.AnalyzeStackRequest(resources=resources))
        return [_diag(d, d.urn, "stack", self.report_key) for d in resp.diagnostics], resp

    def run(self, records) -> list:
        """The whole analysis of one program: every resource (Remediate, then Analyze), then the stack,
        whose outputs carry what the remediations changed (the engine deploys the remediated inputs).
        The remediations made are left in ``self.remediations``."""
        import dataclasses

        from google.protobuf import json_format

        self.remediations = []
        diags, deployed = [], []
        for rec in records:
            found, props, _ = self.remediate_and_analyze(rec)
            diags.extend(found)
            fixed = json_format.MessageToDict(props)
            deployed.append(dataclasses.replace(rec, outputs={**rec.outputs, **fixed}) if fixed != rec.inputs else rec)
        diags.extend(self.analyze_stack(deployed)[0])
        return diags

    def close(self):
        try:
            self.channel.close()
        finally:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_LEVEL_CODES = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}


@dataclass
class Change:
    """One remediation the pack made: the properties it changed (dotted wire path -> (before, after))."""
    urn: str
    resource: str
    type: str
    policy: str
    changes: dict
    diagnostic: str = ""


def diff(before, after, prefix: str = "") -> dict:
    """Leaf paths whose value differs between two wire-form dicts: path -> (before, after)."""
    out: dict = {}
    if isinstance(before, dict) and after is None or before is None and isinstance(after, dict):
        before, after = before or {}, after or {}
    if isinstance(before, dict) and isinstance(after, dict):
        for k in sorted(set(before) | set(after)):
            out.update(diff(before.get(k), after.get(k), f"{prefix}{k}."))
        return out
    if before != after:
        out[prefix.rstrip(".")] = (before, after)
    return out


def _struct(d: dict):
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(d)
    return s


def _diag(d, urn: str, phase: str, report_key: str = "") -> Diagnostic:
    from ..core.runtime import split_trailer

    message, data = split_trailer(d.message, report_key)
    exemption = data.get("exempted")
    return Diagnostic(policy=d.policyName, level=LEVELS.get(d.enforcementLevel, str(d.enforcementLevel)),
                      severity=SEVERITIES.get(d.severity, "unspecified"), message=message,
                      urn=d.urn or urn, resource=(d.urn or urn).rsplit("::", 1)[-1], phase=phase,
                      exemption=exemption if isinstance(exemption, dict) else None)


def merge_config(info, file_config: dict) -> dict:
    """Each policy's (level, properties) as the CLI computes them.

    Schema defaults and the policy's own level, then the pack's initial config, then the
    ``--policy-pack-config`` file (``"all"`` first, then the policy's entry); then the merged
    properties are validated against the policy's schema (with ``enforcementLevel`` added).
    """
    from google.protobuf import json_format
    import jsonschema

    names = {p.name for p in info.policies}
    for key in file_config:
        if key != "all" and key not in names:
            raise ConfigError(f"policy pack config: unknown policy {key!r}")
    merged = {}
    for p in info.policies:
        schema = json_format.MessageToDict(p.configSchema) if p.HasField("configSchema") else {}
        props = {k: v["default"] for k, v in (schema.get("properties") or {}).items() if "default" in v}
        level = LEVELS[p.enforcementLevel]
        if p.name in info.initialConfig:
            ic = info.initialConfig[p.name]
            level = LEVELS[ic.enforcementLevel]  # serverless-guard always sends a level with its initial config
            props.update(json_format.MessageToDict(ic.properties))
        for key in ("all", p.name):
            entry = file_config.get(key)
            if entry is None:
                continue
            if isinstance(entry, str):
                level = _check_level(entry, key)
            elif isinstance(entry, dict):
                if "enforcementLevel" in entry:
                    level = _check_level(entry["enforcementLevel"], key)
                if key != "all":
                    props.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            else:
                raise ConfigError(f"policy pack config: {key!r} must be a level or an object")
        full: dict = {"type": "object", "properties": dict(schema.get("properties") or {}),
                "required": list(schema.get("required") or [])}
        full["properties"]["enforcementLevel"] = {"type": "string", "enum": list(_LEVEL_CODES)}
        try:
            jsonschema.validate(props, full)
        except jsonschema.ValidationError as exc:
            path = "/".join(str(x) for x in exc.absolute_path)
            raise ConfigError(f"policy pack config for {p.name!r} at '{path}': {exc.message}") from None
        merged[p.name] = (level, props)
    return merged


def _check_level(value, key: str) -> str:
    if value not in _LEVEL_CODES:
        raise ConfigError(f"policy pack config: {key!r} has invalid enforcement level {value!r} "
                          f"(one of {', '.join(_LEVEL_CODES)})")
    return value
