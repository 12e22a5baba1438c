#!/usr/bin/env bash
# Regenerates Sources/TensorBoard/tensorboard_event.pb.swift from tools/proto/*.proto.
# Needs protoc (pip install grpcio-tools provides it) and protoc-gen-swift built from the
# swift-protobuf version Package.swift names (swift build -c release --product protoc-gen-swift
# in a checkout of it; pass its folder as PROTOC_GEN_SWIFT_DIR). CI does not run this: the
# generated file is committed, so no build compiles the plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROTOC_GEN_SWIFT_DIR:?folder holding protoc-gen-swift}"
python3 -m grpc_tools.protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT_DIR/protoc-gen-swift" \
  --swift_opt=Visibility=Internal --swift_out=Sources/TensorBoard -Itools/proto tools/proto/tensorboard_event.proto
echo "wrote Sources/TensorBoard/tensorboard_event.pb.swift"
