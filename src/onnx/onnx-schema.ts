import protobuf from 'protobufjs';

/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 8) that a plain MLP needs,
 * written out from the specification with its field numbers. Fields left out, such as subgraph
 * attributes, sparse tensors and training information, are skipped when decoding, so a file
 * that uses them still decodes and then fails on the node that needs them, by name.
 */
const schema = `
syntax = "proto2";
package onnx;

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  optional string domain = 7;
}

message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  optional int32 type = 20;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  optional Tensor tensor_type = 1;
}

message TensorShapeProto {
  message Dimension {
    optional int64 dim_value = 1;
    optional string dim_param = 2;
  }
  repeated Dimension dim = 1;
}
`;

/** AttributeProto.type values this reader and writer use. */
export const attributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** TensorProto.data_type values; the names of the others are for error messages. */
export const dataType = { float: 1, int32: 6, int64: 7, double: 11 } as const;
export const dataTypeNames: Record<number, string> = {
  0: 'undefined', 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32',
  7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64',
  14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

/** protobufjs gives int64 fields as Long objects (or plain numbers when they were set so). */
export type Int64 = number | { toNumber(): number };

/** The decoded messages, as protobufjs fills them (snake_case, as in the .proto). */
export interface OnnxModel {
  ir_version: Int64;
  producer_name: string;
  producer_version: string;
  graph: OnnxGraph | null;
  opset_import: { domain: string; version: Int64 }[];
  metadata_props: { key: string; value: string }[];
}

export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: OnnxAttribute[];
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t: OnnxTensor | null;
  floats: number[];
  ints: Int64[];
}

export interface OnnxTensor {
  dims: Int64[];
  data_type: number;
  float_data: number[];
  int32_data: number[];
  int64_data: Int64[];
  name: string;
  raw_data: Uint8Array;
  double_data: number[];
  external_data: { key: string; value: string }[];
  data_location: number;
}

export interface OnnxValueInfo {
  name: string;
  type: {
    tensor_type: {
      elem_type: number;
      shape: { dim: { dim_value: Int64; dim_param: string }[] } | null;
    } | null;
  } | null;
}

let modelType: protobuf.Type | undefined;

/** The ModelProto message type, parsed from the schema above on first use. */
export function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.parse(schema, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** An int64 field as a JS number (exact up to 2^53, which is far past any size we accept). */
export function toNumber(value: Int64): number {
  return typeof value === 'number' ? value : value.toNumber();
}
