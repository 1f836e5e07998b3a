"""The analyzer conversation over a pipe: the engine's requests and the pack's responses, as the same
protocol-buffer messages gRPC would carry, framed on the pack's stdin and stdout.

``scan`` uses it to talk to the pack it starts (``python -m policies.pack --pipe``): the pack is built
by ``PolicyPack`` exactly as under the engine, and every request goes to the same servicer method
(``Configure``, ``Analyze``, ``Remediate``, ``AnalyzeStack``...) with the same message. Only the
transport differs: a Python gRPC server costs about 1 ms of CPU per call on both sides, more than the
pack's own evaluation, which made a 100,000-resource scan take minutes. The tests drive the pack over
real gRPC, and a test checks that both transports give the same diagnostics.

A frame is ``>BI`` (method index or status, payload length) followed by the payload: a serialized
message, or for status ``ERROR`` the error's text and for ``UNIMPLEMENTED`` nothing.
"""
from __future__ import annotations

import struct

HEADER = struct.Struct(">BI")
OK, ERROR, UNIMPLEMENTED = 0, 1, 2
MAX_FRAME = 1 << 31


def methods() -> list:
    """The Analyzer service's methods, in the order of its descriptor: (name, request class, response class)."""
    from google.protobuf import message_factory
    from pulumi.runtime.proto import analyzer_pb2

    service = analyzer_pb2.DESCRIPTOR.services_by_name["Analyzer"]
    return [(m.name, message_factory.GetMessageClass(m.input_type), message_factory.GetMessageClass(m.output_type))
            for m in service.methods]


class PipeError(Exception):
    """The pack failed a request (as a failed gRPC call would)."""

    def __init__(self, status: str, message: str = ""):
        super().__init__(message or status)
        self.status = status

    def code(self):
        import grpc

        return grpc.StatusCode.UNIMPLEMENTED if self.status == "UNIMPLEMENTED" else grpc.StatusCode.UNKNOWN


def _read_exactly(stream, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the pipe closed in the middle of a frame" if chunks or n != left else "the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class PipeStub:
    """The client side: one method per Analyzer method, as ``analyzer_pb2_grpc.AnalyzerStub`` has."""

    def __init__(self, to_pack, from_pack):
        self._out, self._in = to_pack, from_pack
        for index, (name, _request, response) in enumerate(methods()):
            setattr(self, name, self._method(index, name, response))

    def _method(self, index: int, name: str, response_class):
        def call(request):
            # a request may come serialized already (a large AnalyzeStack is built one resource at a time)
            payload = bytes(request) if isinstance(request, (bytes, bytearray)) else request.SerializeToString()
            self._out.write(HEADER.pack(index, len(payload)))
            self._out.write(payload)
            self._out.flush()
            try:
                status, size = HEADER.unpack(_read_exactly(self._in, HEADER.size))
                body = _read_exactly(self._in, size)
            except EOFError:
                raise PipeError("UNAVAILABLE", f"the policy pack stopped during {name}") from None
            if status == UNIMPLEMENTED:
                raise PipeError("UNIMPLEMENTED", f"{name} is not implemented by the pack")
            if status != OK:
                raise PipeError("UNKNOWN", body.decode("utf-8", "replace"))
            return response_class.FromString(body)
        call.__name__ = name
        return call


class _Context:
    """What a servicer method may call on its gRPC context (the SDK's base class answers
    UNIMPLEMENTED through it)."""

    def __init__(self):
        self.status = None

    def set_code(self, code):
        self.status = code

    def set_details(self, _details):
        pass


def serve(servicer, from_engine, to_engine) -> None:
    """The pack side: answer every framed request with the servicer's method until the pipe closes.
    A method that raises answers ``ERROR`` with the exception's type (the pack carries on, as a gRPC
    server does after a failed call)."""
    table = methods()
    while True:
        try:
            index, size = HEADER.unpack(_read_exactly(from_engine, HEADER.size))
        except EOFError:
            return
        body = _read_exactly(from_engine, size)
        if index >= len(table):
            status, payload = UNIMPLEMENTED, b""
        else:
            name, request_class, _ = table[index]
            context = _Context()
            try:
                request = request_class.FromString(body)
                del body   # a large stack is held once, as the request
                response = getattr(servicer, name)(request, context)
                del request
            except NotImplementedError:
                status, payload = UNIMPLEMENTED, b""
            except Exception as exc:  # noqa: BLE001 - a failed call, as gRPC reports it; the pack carries on
                status, payload = ERROR, f"{name} failed in the policy pack ({type(exc).__name__})".encode()
            else:
                if context.status is not None or response is None:
                    status, payload = UNIMPLEMENTED, b""
                else:
                    status, payload = OK, response.SerializeToString()
        to_engine.write(HEADER.pack(status, len(payload)))
        to_engine.write(payload)
        to_engine.flush()
