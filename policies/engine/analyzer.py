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
from typing import Any

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
    fix: str | None = None          # the fix for the case found (pulumi-aws Python), when the rule gave one


class PackProcess:
    def __init__(self, pack_dir: str = PACK_DIR, stack: str = "dev", project: str = "app",
                 organization: str = "acme", dry_run: bool = False, stack_config: dict | None = None,
                 python: str | None = None, extra_env: dict | None = None, command: list | None = None,
                 transport: str = "grpc", settings: str | None = None, language: str | None = None):
        """``settings`` and ``language`` are the publisher's choice for this run. On the pipe transport they
        travel in the launch line (``policies/pack.py``); over gRPC, as under the engine, the pack reads only
        the settings file in its own folder, so a folder is published for the run (``publish``): the
        checkout's ``__main__.py`` and ``PulumiPolicy.yaml`` beside that settings file."""
        self._published = None
        if transport == "grpc" and (settings is not None or language is not None):
            self._published = publish(settings, language)
            pack_dir = self._published.name

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
        self.effective: dict | None = None
        self.remediating = True   # until Configure says which levels are set
        # The resource types the pack's resource policies (and fixes) declare, when the caller knows them
        # (``scan`` does, from the same registry the pack is built from): a resource of any other type
        # gets an empty answer from the pack (``GuardServicer`` dispatches by type), so it is not sent.
        # None sends every resource, as the engine does.
        self.analyzed_types: frozenset | None = None
        self.batch_size = 64      # Analyze requests per exchange on the pipe transport
        started = time.perf_counter()
        # ``command`` starts another kind of pack (the benchmark's Node.js AWSGuard); the engine address
        # and the pack directory are appended, as the CLI's shims do. The pipe transport (engine/pipe.py)
        # is this pack's own (``python -m policies.pack --pipe .``).
        if transport not in ("grpc", "pipe"):
            raise ValueError(f"unknown transport {transport!r}")
        address = "--pipe" if transport == "pipe" else "127.0.0.1:1"
        argv = [*command, address, "."] if command else \
            [python or sys.executable, "-u", "-m", "pulumi.policy", address, "."]
        self._workdir = None
        if transport == "pipe":
            # the pack's own private working folder: never the temp folder a program under review wrote to
            import tempfile

            self._workdir = tempfile.TemporaryDirectory(prefix="serverless-guard-pack-")
            pack_dir = self._workdir.name
        self.proc = subprocess.Popen(
            argv, cwd=pack_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if transport == "pipe" else subprocess.DEVNULL)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        if transport == "pipe":
            launch = {"settings": os.path.abspath(settings) if settings else None, "language": language,
                      "reportKey": self.report_key}
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write(json.dumps(launch).encode() + b"\n")
                self.proc.stdin.flush()
            except OSError:
                pass   # the pack is gone: its first line (none) says so below
        line = self.proc.stdout.readline().decode(errors="replace").strip()
        self.start_seconds = time.perf_counter() - started
        self.channel = None
        if transport == "pipe" and line == "pipe":
            from .pipe import PipeStub

            self.stub: Any = PipeStub(self.proc.stdin, self.proc.stdout)
            self.port = 0
            self.info = None
            self.remediations: list = []
            return
        if not line.isdigit():
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            err = self.proc.stderr.read().decode(errors="replace")
            raise RuntimeError(f"the policy pack did not start (first line {line!r}):\n{err}")
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=[("grpc.max_receive_message_length", 400 * 1024 * 1024),
                                                      ("grpc.max_send_message_length", 400 * 1024 * 1024)])
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = None
        self.remediations = []

    # --- the conversation -----------------------------------------------------------------------
    def start(self, policy_config: dict | None = None, stack_tags: dict | None = None):
        """Handshake, ConfigureStack, GetPluginInfo, GetAnalyzerInfo, Configure."""
        import grpc
        from google.protobuf import empty_pb2, struct_pb2
        from pulumi.runtime.proto import analyzer_pb2 as pb

        from .pipe import PipeError

        try:
            self.stub.Handshake(pb.AnalyzerHandshakeRequest(engine_address="127.0.0.1:1", root_directory=".",
                                                            program_directory="."))
        except (grpc.RpcError, PipeError) as exc:  # the Python SDK does not implement it; the engine carries on
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        cfg = struct_pb2.Struct()
        cfg.update({k: str(v) for k, v in self.stack_config.items()})
        self.stub.ConfigureStack(pb.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, organization=self.organization, dry_run=self.dry_run,
            config=cfg, tags=stack_tags or {}))
        self.stub.GetPluginInfo(empty_pb2.Empty())
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        return self.configure(policy_config)

    def configure(self, policy_config: dict | None = None):
        """Configure (again): the config merged and validated as the CLI does, sent to the pack. The engine
        configures once per run; a test that judges many configs on one pack process calls it again."""
        from pulumi.runtime.proto import analyzer_pb2 as pb

        merged = merge_config(self.info, policy_config or {})
        request = pb.ConfigureAnalyzerRequest()
        for name, (level, props) in merged.items():
            pc = pb.PolicyConfig(enforcementLevel=_LEVEL_CODES[level])  # type: ignore[arg-type]
            pc.properties.SetInParent()  # the engine always sends a Struct, empty or not (the Node SDK relies on it)
            pc.properties.update(props)
            request.policyConfig[name].CopyFrom(pc)
        self.stub.Configure(request)
        self.effective = merged
        self.remediating = any(level == "remediate" for level, _ in merged.values())
        return self

    def remediate(self, record, props=None) -> tuple:
        """The engine's Remediate for one resource: (remediated properties, [Change]). The properties
        are the last remediation's (each one's output is the next one's input), or the inputs."""
        from google.protobuf import json_format
        from pulumi.runtime.proto import analyzer_pb2 as pb

        props = props if props is not None else _struct(record.inputs)
        opts = pb.AnalyzerResourceOptions(parent=record.parent or "")
        rem = self.stub.Remediate(pb.AnalyzeRequest(type=record.type, properties=props, urn=record.urn,
                                                    name=record.name, options=opts))
        changes = []
        before = json_format.MessageToDict(props) if rem.remediations else None
        for r in rem.remediations:
            after = json_format.MessageToDict(r.properties) if r.properties.fields else None
            changes.append(Change(record.urn, record.name, record.type, r.policyName,
                                  diff(before, after) if after is not None else {}, r.diagnostic))
            if after is not None:
                props, before = r.properties, after
        return props, changes

    def remediate_and_analyze(self, record) -> tuple:
        """Remediate (when a policy is at level remediate: the SDK answers nothing otherwise) then
        Analyze one resource; returns (diagnostics, remediated inputs or None when unchanged, response)."""
        from pulumi.runtime.proto import analyzer_pb2 as pb

        original = _struct(record.inputs)
        props = original
        if self.remediating:
            props, changes = self.remediate(record, original)
            self.remediations.extend(changes)
        opts = pb.AnalyzerResourceOptions(parent=record.parent or "")
        resp = self.stub.Analyze(pb.AnalyzeRequest(type=record.type, properties=props, urn=record.urn,
                                                   name=record.name, options=opts))
        return ([_diag(d, record.urn, "analyze", self.report_key) for d in resp.diagnostics],
                None if props is original else props, resp)

    @staticmethod
    def _analyze_request(record, props):
        from pulumi.runtime.proto import analyzer_pb2 as pb

        return pb.AnalyzeRequest(type=record.type, properties=props, urn=record.urn, name=record.name,
                                 options=pb.AnalyzerResourceOptions(parent=record.parent or ""))

    def _analyze_batch(self, batch: list) -> list:
        """Analyze for several resources in one exchange (the pipe's batch frame): the same requests and
        answers, without a round trip each."""
        responses = self.stub.batch("Analyze", [request for _, request in batch])
        return [_diag(d, rec.urn, "analyze", self.report_key)
                for (rec, _), resp in zip(batch, responses) for d in resp.diagnostics]

    def analyze_stack(self, records) -> tuple:
        import tempfile

        with tempfile.TemporaryFile() as spool:
            for r in records:
                spool.write(_stack_entry(r, r.outputs))
            return self._analyze_stack_payload(spool)

    def _analyze_stack_payload(self, spool) -> tuple:
        """AnalyzeStack with a request serialized beforehand into ``spool``, one resource at a time
        (``_stack_entry``): a 100,000-resource stack is never held in memory as messages or bytes."""
        from pulumi.runtime.proto import analyzer_pb2 as pb

        from .pipe import PipeStub

        if isinstance(self.stub, PipeStub):
            request = spool
        else:
            spool.seek(0)
            request = pb.AnalyzeStackRequest.FromString(spool.read())
        resp = self.stub.AnalyzeStack(request)
        return [_diag(d, d.urn, "stack", self.report_key) for d in resp.diagnostics], resp

    def run(self, records, release: bool = False) -> list:
        """The whole analysis of one program: every resource (Remediate, then Analyze), then the stack,
        whose outputs carry what the remediations changed (the engine deploys the remediated inputs).
        The remediations made are left in ``self.remediations``. With ``release``, each record's
        properties are dropped once its stack entry is serialized (``scan`` keeps only the names and
        source positions for its reports)."""
        import gc

        from google.protobuf import json_format

        import tempfile

        self.remediations = []
        diags: list = []
        entries = tempfile.TemporaryFile()   # the AnalyzeStack request, written as the resources pass
        collecting = gc.isenabled()
        gc.disable()   # only acyclic messages and dicts are made here; collections would cost more than the run
        batch: list = []   # (record, Analyze request) waiting to be sent together (pipe transport)
        batching = self.batch_size > 1 and not self.remediating and hasattr(self.stub, "batch")
        try:
            for rec in records:
                outputs = rec.outputs
                if self.analyzed_types is not None and rec.type not in self.analyzed_types:
                    pass
                elif batching:
                    batch.append((rec, self._analyze_request(rec, _struct(rec.inputs))))
                    if len(batch) >= self.batch_size:
                        diags.extend(self._analyze_batch(batch))
                        batch = []
                else:
                    found, props, _ = self.remediate_and_analyze(rec)
                    diags.extend(found)
                    fixed = json_format.MessageToDict(props) if props is not None else None
                    if fixed is not None and fixed != rec.inputs:
                        outputs = {**rec.outputs, **fixed}
                entries.write(_stack_entry(rec, outputs))
                if release:
                    rec.inputs, rec.outputs = {}, {}
            if batch:
                diags.extend(self._analyze_batch(batch))
        finally:
            if collecting:
                gc.enable()
        with entries:
            diags.extend(self._analyze_stack_payload(entries)[0])
        return diags

    def close(self):
        try:
            if self.channel is not None:
                self.channel.close()
            elif self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        finally:
            self.proc.kill()
            self.proc.wait()
            for folder in (self._workdir, self._published):
                if folder is not None:
                    folder.cleanup()
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def pack_command() -> list:
    """How ``scan`` starts this pack (the transport's arguments are appended): ``python -I`` with the
    package's own folder first on the import path and nothing else from the environment or the working
    folder (``policies.pack.BOOT``)."""
    from ..pack import BOOT

    return [sys.executable, "-I", "-u", "-c", BOOT, PACK_DIR]


def publish(settings: str | None, language: str | None = None):
    """A pack folder as its publisher would ship it, for one run over gRPC: the checkout's ``__main__.py``
    and ``PulumiPolicy.yaml``, its ``policies`` package (linked), and ``serverless-guard.yaml`` (the given
    file linked, so the paths its ``customRules`` name resolve beside it; with ``language``, a copy that sets
    it). A ``TemporaryDirectory``: the caller cleans it up."""
    import shutil
    import tempfile

    folder = tempfile.TemporaryDirectory(prefix="serverless-guard-published-")
    for name in ("__main__.py", "PulumiPolicy.yaml"):
        shutil.copy(os.path.join(PACK_DIR, name), os.path.join(folder.name, name))
    os.symlink(os.path.join(PACK_DIR, "policies"), os.path.join(folder.name, "policies"))
    target = os.path.join(folder.name, "serverless-guard.yaml")
    if settings is None and os.path.isfile(os.path.join(PACK_DIR, "serverless-guard.yaml")):
        settings = os.path.join(PACK_DIR, "serverless-guard.yaml")   # the checkout's own, as published
    if language is None and settings is not None:
        os.symlink(os.path.abspath(settings), target)
    elif settings is not None or language is not None:
        from ..core.files import dates_as_text, load_yaml_file

        data = (load_yaml_file(settings, 1 << 20, settings, what="the settings") if settings else None) or {}
        if isinstance(data, dict):
            base = os.path.dirname(os.path.realpath(settings)) if settings else PACK_DIR
            for entry in data.get("customRules") or []:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    entry["path"] = os.path.join(base, entry["path"])
            data["language"] = language
        import yaml

        with open(target, "w", encoding="utf-8") as f:
            yaml.safe_dump(dates_as_text(data), f)
    return folder


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
    from ..core.values import SIG_KEY

    out: dict = {}
    if isinstance(before, dict) and SIG_KEY in before or isinstance(after, dict) and SIG_KEY in after:
        if before != after:   # a secret (or other signed value) is one leaf: its text is never a path
            out[prefix.rstrip(".")] = (before, after)
        return out
    if isinstance(before, dict) and after is None or before is None and isinstance(after, dict):
        before, after = before or {}, after or {}
    if isinstance(before, dict) and isinstance(after, dict):
        for k in sorted(set(before) | set(after)):
            out.update(diff(before.get(k), after.get(k), f"{prefix}{k}."))
        return out
    if before != after:
        out[prefix.rstrip(".")] = (before, after)
    return out


def _stack_entry(record, outputs: dict) -> bytes:
    """One ``resources`` entry of an AnalyzeStackRequest, serialized as protocol buffers frame a repeated
    field (tag of field 1, length, message): joined, they are the request."""
    from pulumi.runtime.proto import analyzer_pb2 as pb

    deps = {k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in record.property_dependencies.items()}
    body = pb.AnalyzerResource(
        type=record.type, properties=_struct(outputs), urn=record.urn, name=record.name,
        options=pb.AnalyzerResourceOptions(parent=record.parent or ""), parent=record.parent or "",
        dependencies=record.dependencies, propertyDependencies=deps).SerializeToString()
    return b"\x0a" + _varint(len(body)) + body


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


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
                      exemption=exemption if isinstance(exemption, dict) else None,
                      fix=data["fix"] if isinstance(data.get("fix"), str) else None)


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
            level = _apply_entry(file_config.get(key), key, level, props)
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


def _apply_entry(entry, key: str, level: str, props: dict) -> str:
    """One ``--policy-pack-config`` entry (a level, or an object with a level and properties) applied to
    ``props``; the level after it."""
    if entry is None:
        return level
    if isinstance(entry, str):
        return _check_level(entry, key)
    if not isinstance(entry, dict):
        raise ConfigError(f"policy pack config: {key!r} must be a level or an object")
    if key != "all":
        props.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    return _check_level(entry["enforcementLevel"], key) if "enforcementLevel" in entry else level


def _check_level(value, key: str) -> str:
    if value not in _LEVEL_CODES:
        raise ConfigError(f"policy pack config: {key!r} has invalid enforcement level {value!r} "
                          f"(one of {', '.join(_LEVEL_CODES)})")
    return value
