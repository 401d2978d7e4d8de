import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProtobufVarint } from './wire';

/**
 * The FileDescriptorSets `npm run generate` compiles with buf (tools/generate.sh): every file of
 * proto/ with its imports, and grpc.health.v1's. They are the descriptors protoc would give, with
 * their comments: what server reflection serves (grpcurl describe, Postman, evans).
 */
export const DESCRIPTOR_SET_FILES: readonly string[] = ['visitsarch.binpb', 'grpc-health.binpb'].map((name) => path.resolve(__dirname, '..', 'src', 'gen', name));

/** The encoded FileDescriptorProtos of the descriptor sets: field 1 of each FileDescriptorSet, as they lie. */
export function compiledFileDescriptors(files: readonly string[] = DESCRIPTOR_SET_FILES): Buffer[] {
  const descriptors: Buffer[] = [];
  for (const file of files) {
    const set = fs.readFileSync(file);
    for (let at = 0; at < set.byteLength; ) {
      const tag = readProtobufVarint(set, at, 5);
      const length = tag && readProtobufVarint(set, tag.next, 5);
      if (tag?.value !== 0x0a || !length || length.next + length.value > set.byteLength) throw new Error(`${file} is not a FileDescriptorSet (run npm run generate)`);
      descriptors.push(set.subarray(length.next, length.next + length.value));
      at = length.next + length.value;
    }
  }
  return descriptors;
}
