"""Run a Pulumi TypeScript or JavaScript program under mocks, as Pulumi's Node.js language host runs it.

The program runs in Node.js with its own ``node_modules``: the ``@pulumi/pulumi`` it depends on is
started by that package's own entry point (``@pulumi/pulumi/cmd/run``, what ``pulumi-language-nodejs``
starts), which registers ts-node for TypeScript (the program's, else the SDK's vendored copy) and loads
``main`` from Pulumi.yaml (else the folder, so package.json's ``main`` or ``index.ts``). The resource
monitor and engine it connects to are served here over gRPC: every ``RegisterResource`` is recorded in
the SDK's own wire form, answered with the outputs the Python runner gives (same values, same shapes,
same preview unknowns), and data sources are answered the same way too. So the pack judges a TypeScript
program exactly as it judges a Python one.

Where a resource is declared: the SDK sends the stack at ``new`` of each resource; the first frame in the
program's own files (not ``node_modules``) is the user's line. A resource a library creates for the user
(``aws.lambda.CallbackFunction``'s role, ``bucket.onObjectCreated``'s function and permission) is
located at the user's call that caused it, never in the library.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from urllib.parse import unquote, urlparse

from .capture import SKIPPED_TYPES, STACK_REFERENCE, UNKNOWN, Capture, ProgramError, Record, _computed, _invoke, \
    region_config, stack_reference

ENTRY = os.path.join("@pulumi", "pulumi", "cmd", "run", "index.js")
COMPONENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_components.js")
_DEPENDENCY = re.compile(r"(^|/)node_modules/")
_ERROR_LINE = re.compile(r"^(<ref \*\d+> )?(error: )?[A-Za-z]*(Error|Exception)\b")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"\(?((?:/|file://)[^\s():]+):(\d+):(\d+)\)?\s*$")


def find_entry(path: str) -> str | None:
    """``@pulumi/pulumi``'s run entry as Node resolves it from the program folder: ``node_modules`` in the
    folder or an ancestor, then ``NODE_PATH``."""
    folder = os.path.abspath(path)
    while True:
        candidate = os.path.join(folder, "node_modules", ENTRY)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for extra in os.environ.get("NODE_PATH", "").split(os.pathsep):
        if extra and os.path.isfile(os.path.join(extra, ENTRY)):
            return os.path.abspath(os.path.join(extra, ENTRY))
    return None


def _read_state(request):
    """The state a read resource gets: a StackReference its outputs as scan --stack-outputs gives them (else
    unknown); any other what the program gave."""
    if request.type != STACK_REFERENCE:
        return request.properties
    name = _wire(request.properties).get("name")
    return _struct(stack_reference(name if isinstance(name, str) else request.name))


def _wire(struct) -> dict:
    from google.protobuf import json_format

    return json_format.MessageToDict(struct)


def _struct(data: dict):
    from google.protobuf import struct_pb2

    out = struct_pb2.Struct()
    out.update(data)
    return out


def user_frame(request, root: str) -> tuple:
    """(file, line) of the first frame of the resource's construction inside ``root`` and not in a
    dependency: the source position when it is the user's, else the stack trace's first user frame."""
    frames = []
    pos = getattr(request, "sourcePosition", None)
    if pos is not None and pos.uri:
        frames.append((pos.uri, pos.line))
    trace = getattr(request, "stackTrace", None)
    if trace is not None:
        frames.extend((f.pc.uri, f.pc.line) for f in trace.frames if f.pc.uri)
    for uri, line in frames:
        file = unquote(urlparse(uri).path) if uri.startswith("file:") else uri
        if line > 0 and file.startswith(root + os.sep) and not _DEPENDENCY.search(file):
            return file, int(line)
    return "", 0


class _Monitor:
    """The resource monitor and engine a Node.js program talks to; records what it registers."""

    def __init__(self, capture: Capture, project: str, stack: str, root: str, preview: bool):
        from . import shapes

        self.capture, self.project, self.stack, self.root, self.preview = capture, project, stack, root, preview
        self.shapes = shapes
        self.errors: list = []
        self.root_urn = ""
        self.lock = threading.Lock()
        self.rpc_lock = threading.Lock()

    def urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def register(self, request):
        from pulumi.runtime.proto import resource_pb2

        from .capture import _native_computed, _without_resource_refs

        request = _without_resource_refs(request, "object")
        urn = self.urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = _wire(request.object)
        state = {k: json.dumps(v) if k in ("policy", "assumeRolePolicy") and isinstance(v, dict) else v
                 for k, v in inputs.items()}
        rid = ""
        if request.custom and not request.type.startswith(SKIPPED_TYPES):
            if self.preview and request.type.startswith("aws-native:"):
                outputs = {**inputs, **_native_computed(request.type, request.name, inputs, preview=True)}
            elif self.preview:
                outputs = {"arn": UNKNOWN, **inputs, "id": UNKNOWN}
            else:
                computed = _computed(request.type, request.name, inputs)
                filled = self.shapes.resource_outputs(request.type, computed.get("name") or request.name)
                state = {**filled, **state, **computed}
                outputs = {**inputs, **computed}
                rid = computed.get("id", f"{request.name}-id")
        else:
            outputs = {}
        if request.type.startswith(SKIPPED_TYPES):
            rid = "" if self.preview else f"{request.name}-id"
        else:
            file, line = user_frame(request, self.root)
            with self.lock:
                self.capture.records.append(Record(
                    type=request.type, name=request.name, urn=urn, parent=request.parent,
                    dependencies=list(request.dependencies),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    inputs=inputs, outputs=outputs, custom=bool(request.custom), provider=request.provider,
                    source_file=file, source_line=line, remote=bool(request.remote)))
        state = {k: v for k, v in state.items() if k != "id"}
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid, object=_struct(state))

    def invoke(self, request):
        from pulumi.runtime.proto import resource_pb2

        from .capture import _without_resource_refs

        given = _wire(_without_resource_refs(request, "args").args)
        result = {**self.shapes.invoke_result(request.tok, given), **_invoke(request.tok, given)}
        return resource_pb2.ResourceInvokeResponse(**{"return": _struct(result)})


def _servicers(monitor: _Monitor):
    from pulumi.runtime.proto import engine_pb2_grpc, resource_pb2_grpc

    return _resource_monitor(monitor), _engine(monitor), resource_pb2_grpc, engine_pb2_grpc


def _resource_monitor(monitor: _Monitor):
    """The resource monitor the program's SDK registers resources with (answered by ``monitor``)."""
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import resource_pb2, resource_pb2_grpc

    features = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith", "transforms", "invokeTransforms",
                "parameterization"}

    class ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
        def SupportsFeature(self, request, context):
            # no "outputValues": inputs arrive as plain values with secrets and unknowns marked, as the
            # Python runner's mock monitor has them
            return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in features)

        def RegisterResource(self, request, context):
            # one at a time: the SDK sends registrations concurrently, and the first use of a provider
            # module imports it (two threads importing one module can see it half-initialised, and the
            # outputs of that resource would silently be missing)
            with monitor.rpc_lock:
                return monitor.register(request)

        def RegisterResourceOutputs(self, request, context):
            return empty_pb2.Empty()

        def Invoke(self, request, context):
            with monitor.rpc_lock:
                return monitor.invoke(request)

        def ReadResource(self, request, context):
            urn = monitor.urn(request.parent, request.type, request.name)
            return resource_pb2.ReadResourceResponse(urn=urn, properties=_read_state(request))

        def RegisterStackTransform(self, request, context):
            return empty_pb2.Empty()

        def RegisterStackInvokeTransform(self, request, context):
            return empty_pb2.Empty()

        def RegisterPackage(self, request, context):
            return resource_pb2.RegisterPackageResponse(ref=f"{request.name}@{request.version}")

        def SignalAndWaitForShutdown(self, request, context):
            return empty_pb2.Empty()

    return ResourceMonitor()


def _engine(monitor: _Monitor):
    """The engine the program's SDK logs to and asks for its root resource."""
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

    class Engine(engine_pb2_grpc.EngineServicer):
        def Log(self, request, context):
            if request.severity == engine_pb2.ERROR:
                with monitor.lock:
                    monitor.errors.append(request.message)
            return empty_pb2.Empty()

        def GetRootResource(self, request, context):
            return engine_pb2.GetRootResourceResponse(urn=monitor.root_urn)

        def SetRootResource(self, request, context):
            monitor.root_urn = request.urn
            return engine_pb2.SetRootResourceResponse()

    return Engine()


def _serve(monitor: _Monitor):
    from concurrent import futures

    import grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", 256 << 20),
                                  ("grpc.max_send_message_length", 256 << 20)])
    rm, engine, rm_grpc, engine_grpc = _servicers(monitor)
    rm_grpc.add_ResourceMonitorServicer_to_server(rm, server)
    engine_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def program_error(messages: list, output: str, root: str) -> ProgramError:
    """The program's own error (Node's first error line and the first frame in the program's files)."""
    from ..core.safety import one_line

    text = _ANSI.sub("", "\n".join(messages) or output)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    where = ""
    for ln in lines:
        m = _FRAME.search(ln) if ln.startswith("at ") else None
        if m:
            file = unquote(urlparse(m.group(1)).path) if m.group(1).startswith("file:") else m.group(1)
            if file.startswith(root + os.sep) and not _DEPENDENCY.search(file):
                where = f"{os.path.relpath(file, root)}:{m.group(2)}"
                break
    said = [ln for ln in lines if not ln.startswith(("at ", "Running program", "error: Running program"))]
    # Node's own report of an uncaught error starts with the code line that threw; the error is the line
    # that names it ("TypeError: ...", "Error: ...")
    first = next((ln for ln in said if _ERROR_LINE.match(ln)), said[0] if said else "the program failed")
    first = re.sub(r"^(<ref \*\d+> )?(error:\s*)?(Running program '[^']*' failed with an unhandled exception:\s*)?", "", first)
    return ProgramError(one_line(first or "the program failed", 300), where)


def run_directory(path: str, main: str, project: str, mode: str, stack: str, config: dict,
                  secret_keys: tuple, timeout: float | None = None, organization: str = "organization") -> Capture:
    """Run the Node.js program in ``path`` (``main`` is Pulumi.yaml's, relative to it, or ".") and record its
    resources. Raises ``ProgramError`` with the program's own error."""
    root = os.path.realpath(path)
    entry = find_entry(root)
    if entry is None:
        raise ProgramError(f"{os.path.basename(root)} has no node_modules/@pulumi/pulumi: run `npm install` "
                           "(or yarn/pnpm install) in the program folder first, as `pulumi preview` needs too")
    preview = mode == "preview"
    capture = Capture(mode)
    monitor = _Monitor(capture, project, stack, root, preview)
    server, address = _serve(monitor)
    env = dict(os.environ)
    if env.get("NODE_PATH"):   # the program runs in its own folder: relative entries are made absolute
        env["NODE_PATH"] = os.pathsep.join(os.path.abspath(p) for p in env["NODE_PATH"].split(os.pathsep) if p)
    # the region a deployment would have from its stack config or AWS_REGION (helpers in @pulumi/aws read it)
    config = {**region_config(), **config}
    env.update({
        "PULUMI_CONFIG": json.dumps(config),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(secret_keys)),
        "PULUMI_NODEJS_TYPESCRIPT": "true",
        "PULUMI_NODEJS_TRANSPILE_ONLY": "true",   # a type error is the compiler's to report, not the scan's
        "TS_NODE_TRANSPILE_ONLY": "true",         # the same for ES-module programs (ts-node/esm)
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "NO_COLOR": "1", "FORCE_COLOR": "0",
        # components a provider plugin would build are built in the program's process where their own
        # library is at hand (node_components.js)
        "NODE_OPTIONS": f'{env.get("NODE_OPTIONS", "")} --require "{COMPONENTS}"'.strip(),
        "SERVERLESS_GUARD_PROGRAM_DIR": root,
    })
    argv = ["node", entry, f"--monitor={address}", f"--engine={address}", f"--project={project}",
            f"--stack={stack}", f"--organization={organization}", f"--pwd={root}", f"--root-directory={root}",
            "--parallel=16"]
    argv += ["--dry-run"] if preview else []
    argv.append(main or ".")
    try:
        proc = subprocess.run(argv, cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        raise ProgramError("Node.js (`node`) is not on PATH; it runs TypeScript and JavaScript programs") from None
    except subprocess.TimeoutExpired:
        raise ProgramError(f"the program did not finish within {timeout:g} s (--timeout)") from None
    finally:
        server.stop(0)
    if proc.returncode != 0 or monitor.errors:
        output = proc.stderr.decode("utf-8", "replace") + proc.stdout.decode("utf-8", "replace")
        raise program_error(monitor.errors, output, root)
    return capture
