// Points the generated contracts' import of NestJS's gRPC decorators at a module that loads
// NestJS only when a service's controller uses them (libs/contracts/src/nest-grpc-decorators.ts).
const fs = require('node:fs');
const path = require('node:path');

const generated = path.join(__dirname, '..', 'libs', 'contracts', 'src', 'gen');
const target = path.join(__dirname, '..', 'libs', 'contracts', 'src', 'nest-grpc-decorators');
const from = 'from "@nestjs/microservices";';
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
for (const file of walk(generated).filter((name) => name.endsWith('.ts'))) {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) continue;
  const relative = path.relative(path.dirname(file), target).split(path.sep).join('/');
  fs.writeFileSync(file, text.replace(from, `from "${relative.startsWith('.') ? relative : `./${relative}`}";`));
}
