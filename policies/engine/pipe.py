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
BATCH = 255   # a frame of frames: several requests of one method, answered by a frame of their answers
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


def _read_exactly(stream, n: int):
    """``n`` bytes from ``stream`` (a bytearray, read in place: a 100 MB request is held once)."""
    buffer = bytearray(n)
    view, got = memoryview(buffer), 0
    while got < n:
        count = stream.readinto(view[got:])
        if not count:
            raise EOFError("the pipe closed in the middle of a frame" if got else "the pipe closed")
        got += count
    view.release()
    return buffer


class PipeStub:
    """The client side: one method per Analyzer method, as ``analyzer_pb2_grpc.AnalyzerStub`` has."""

    def __init__(self, to_pack, from_pack):
        self._out, self._in = to_pack, from_pack
        self._index, self._responses = {}, {}
        for index, (name, _request, response) in enumerate(methods()):
            self._index[name], self._responses[name] = index, response
            setattr(self, name, self._method(index, name, response))

    def batch(self, name: str, requests: list) -> list:
        """Several requests of one method in one exchange; their responses in order. The pack reads the
        whole frame before it answers, and this side writes the whole frame before it reads, so neither
        can block the other on a full pipe."""
        index = self._index[name]
        pieces = []
        for request in requests:
            body = request.SerializeToString()
            pieces.append(HEADER.pack(index, len(body)))
            pieces.append(body)
        self._out.write(HEADER.pack(BATCH, sum(len(p) for p in pieces)))
        for piece in pieces:
            self._out.write(piece)
        self._out.flush()
        try:
            status, size = HEADER.unpack(_read_exactly(self._in, HEADER.size))
            body = memoryview(_read_exactly(self._in, size))
        except EOFError:
            raise PipeError("UNAVAILABLE", f"the policy pack stopped during {name}") from None
        if status != OK:
            raise PipeError("UNKNOWN", bytes(body).decode("utf-8", "replace"))
        responses, pos = [], 0
        response_class = self._responses[name]
        while pos < len(body):
            status, size = HEADER.unpack_from(body, pos)
            pos += HEADER.size
            if status != OK:
                raise PipeError("UNKNOWN", bytes(body[pos:pos + size]).decode("utf-8", "replace"))
            responses.append(response_class.FromString(body[pos:pos + size]))
            pos += size
        if len(responses) != len(requests):
            raise PipeError("UNKNOWN", f"{len(responses)} answers to {len(requests)} {name} requests")
        return responses

    def _method(self, index: int, name: str, response_class):
        def call(request):
            # a request may come serialized already, in a file (a large AnalyzeStack is built one
            # resource at a time into a spool file and never held in memory whole)
            if hasattr(request, "read"):
                size = request.seek(0, 2)
                request.seek(0)
                self._out.write(HEADER.pack(index, size))
                while chunk := request.read(1 << 20):
                    self._out.write(chunk)
            else:
                payload = request.SerializeToString()
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
                raise PipeError("UNKNOWN", bytes(body).decode("utf-8", "replace"))
            return response_class.FromString(body)
        call.__name__ = name
        return call


class _StackRequest:
    """An AnalyzeStackRequest read one resource at a time from its serialized form: a 100,000-resource
    stack is never held as one message beside its decoded resources. ``resources`` can be iterated
    once, as the servicer's AnalyzeStack does (``fastpath._decode_stack``); every field of the request
    other than ``resources`` (field 1) is refused rather than ignored."""

    def __init__(self, body: bytes):
        self._body = body

    @property
    def resources(self):
        from pulumi.runtime.proto import analyzer_pb2

        body, self._body = self._body, b""
        view, pos = memoryview(body), 0
        while pos < len(view):
            if view[pos] != 0x0A:
                raise ValueError("an AnalyzeStackRequest field other than resources")
            size, pos = _varint(view, pos + 1)
            yield analyzer_pb2.AnalyzerResource.FromString(view[pos:pos + size])
            pos += size


def _varint(view, pos: int) -> tuple:
    value = shift = 0
    while True:
        byte = view[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("a malformed length")


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
    server does after a failed call). A ``BATCH`` frame is answered with a frame of the answers to the
    frames inside it, in order."""
    table = methods()
    while True:
        try:
            index, size = HEADER.unpack(_read_exactly(from_engine, HEADER.size))
        except EOFError:
            return
        body = _read_exactly(from_engine, size)
        if index == BATCH:
            view, pos, answers = memoryview(body), 0, []
            while pos + HEADER.size <= len(view):
                inner, length = HEADER.unpack_from(view, pos)
                pos += HEADER.size
                status, payload = _answer(servicer, table, inner, [bytes(view[pos:pos + length])])
                answers.append(HEADER.pack(status, len(payload)) + payload)
                pos += length
            status, payload = OK, b"".join(answers)
            del view
        else:
            box = [body]
            del body   # the request's bytes are released as soon as they are read (a large stack's are 100 MB)
            status, payload = _answer(servicer, table, index, box)
        body = b""
        to_engine.write(HEADER.pack(status, len(payload)))
        to_engine.write(payload)
        to_engine.flush()


def _answer(servicer, table: list, index: int, box: list) -> tuple:
    """(status, payload) of one request, whose bytes are the one item of ``box`` (taken out, so that
    only the request holds them)."""
    body = box.pop()
    if index >= len(table):
        return UNIMPLEMENTED, b""
    name, request_class, _ = table[index]
    context = _Context()
    try:
        request = _StackRequest(body) if name == "AnalyzeStack" else request_class.FromString(body)
        del body
        response = getattr(servicer, name)(request, context)
    except NotImplementedError:
        return UNIMPLEMENTED, b""
    except Exception as exc:  # noqa: BLE001 - a failed call, as gRPC reports it; the pack carries on
        return ERROR, f"{name} failed in the policy pack ({type(exc).__name__})".encode()
    if context.status is not None or response is None:
        return UNIMPLEMENTED, b""
    return OK, response.SerializeToString()
