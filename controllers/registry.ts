// Every resource kind aios knows, in one explicit list (no barrels). Adding a kind: import its
// controller here, its schema in spec-schemas.ts, and add it to the conformance suite
// (docs/writing-a-controller.md). Runtime only: nothing imported from here may load zod,
// smol-toml or node-cron (decision 172; test/architecture checks it).
import type { Controller } from './controller.js';
import { cronController } from './cron-controller.js';
import { directoryController } from './directory-controller.js';
import { execController } from './exec-controller.js';
import { fileController } from './file-controller.js';
import { groupController } from './group-controller.js';
import { intentController } from './intent-controller.js';
import { packageController } from './package-controller.js';
import { serviceController } from './service-controller.js';
import { symlinkController } from './symlink-controller.js';
import { sysctlController } from './sysctl-controller.js';
import { userController } from './user-controller.js';

// biome-ignore lint/suspicious/noExplicitAny: controllers of every spec type live in one table
export const controllers: Controller<any, any>[] = [
  fileController,
  directoryController,
  symlinkController,
  cronController,
  sysctlController,
  execController,
  packageController,
  serviceController,
  userController,
  groupController,
  intentController,
];

// biome-ignore lint/suspicious/noExplicitAny: see above
export function controllerFor(kind: string): Controller<any, any> | undefined {
  return controllers.find((c) => c.kind === kind);
}
