#!/usr/bin/env python3
"""Writes wrong_shape.onnx: a valid ONNX model (one Flatten node) that takes the anti-spoofing
networks' 1x3x80x80 input but gives 19200 outputs instead of 3. Protobuf wire format written by
hand, so the script needs nothing but Python."""


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def string(number, text):
    return field(number, 2, text.encode())


def value_info(name, dims):
    shape = b"".join(field(1, 2, field(1, 0, d)) for d in dims)
    tensor = field(1, 0, 1) + field(2, 2, shape)  # elem_type FLOAT, shape
    return string(1, name) + field(2, 2, field(1, 2, tensor))


node = string(1, "input") + string(2, "output") + string(3, "flatten") + string(4, "Flatten")
graph = (field(1, 2, node) + string(2, "wrong_shape") + field(11, 2, value_info("input", [1, 3, 80, 80]))
         + field(12, 2, value_info("output", [1, 19200])))
model = field(1, 0, 7) + string(2, "gatesim-test") + field(7, 2, graph) + field(8, 2, string(1, "") + field(2, 0, 11))
with open("wrong_shape.onnx", "wb") as f:
    f.write(model)
