// Typed host actions for packages, services, users and groups (filled in by part 4's system
// controllers); the registry adds them to the built-ins.
import type { Tool } from './tool.js';

export const systemTools: Tool[] = [];
