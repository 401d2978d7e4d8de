import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
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

/** What a compiled file declares and imports (the FileDescriptorProto fields read here). */
interface FileDeclarations {
  name: string;
  package?: string;
  dependency?: string[];
  service?: { name: string }[];
}

/**
 * The compiled files that declare `services` (fully qualified names), with every file they import,
 * directly or not: what a server's reflection describes, and nothing of the services it does not serve.
 */
export function fileDescriptorsOfServices(services: readonly string[], files: readonly string[] = DESCRIPTOR_SET_FILES): Buffer[] {
  const compiled = compiledFileDescriptors(files).map((bytes) => ({ bytes, file: FileDescriptorProto.decode(bytes) as unknown as FileDeclarations }));
  const byName = new Map(compiled.map((entry) => [entry.file.name, entry]));
  const wanted = new Set(services);
  const chosen = new Set<string>();
  const choose = (name: string) => {
    if (chosen.has(name)) return;
    const entry = byName.get(name);
    if (!entry) throw new Error(`the compiled descriptors lack ${name} (run npm run generate)`);
    chosen.add(name);
    for (const dependency of entry.file.dependency ?? []) choose(dependency);
  };
  for (const { file } of compiled) if (file.service?.some((service) => wanted.has(`${file.package ? `${file.package}.` : ''}${service.name}`))) choose(file.name);
  return compiled.filter((entry) => chosen.has(entry.file.name)).map((entry) => entry.bytes);
}
