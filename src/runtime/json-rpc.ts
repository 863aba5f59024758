// JSON-RPC 2.0 messages, one JSON object per line (ARCHITECTURE.md §5). Pure: parsing and shaping
// only, no sockets. A malformed frame becomes an error response, never an exception.

export const RPC_ERROR = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Application errors: the message says what went wrong; data.exitCode carries the CLI exit code. */
  application: -32000,
  unauthorized: -32001,
  busy: -32002,
} as const;

export type RpcId = string | number | null;

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: RpcId;
  method: string;
  params?: unknown;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: RpcErrorObject;
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export type ParsedFrame = { ok: true; request: RpcRequest } | { ok: false; response: RpcResponse };

export function parseFrame(line: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, response: errorResponse(null, RPC_ERROR.parse, 'parse error: not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    // Batches are not supported: one request per line keeps streaming progress simple.
    return {
      ok: false,
      response: errorResponse(null, RPC_ERROR.invalidRequest, 'invalid request: expected one object'),
    };
  }
  const v = value as Record<string, unknown>;
  const id = v.id;
  const validId = id === undefined || id === null || typeof id === 'string' || typeof id === 'number';
  const safeId: RpcId = validId && id !== undefined ? (id as RpcId) : null;
  if (v.jsonrpc !== '2.0' || typeof v.method !== 'string' || v.method.length === 0 || !validId) {
    return {
      ok: false,
      response: errorResponse(
        safeId,
        RPC_ERROR.invalidRequest,
        'invalid request: need jsonrpc "2.0", a method and a valid id',
      ),
    };
  }
  if (v.params !== undefined && (typeof v.params !== 'object' || v.params === null)) {
    return {
      ok: false,
      response: errorResponse(safeId, RPC_ERROR.invalidParams, 'invalid params: must be an object or array'),
    };
  }
  const request: RpcRequest = { jsonrpc: '2.0', method: v.method };
  if (id !== undefined) request.id = id as RpcId;
  if (v.params !== undefined) request.params = v.params;
  return { ok: true, request };
}

export function errorResponse(id: RpcId, code: number, message: string, data?: unknown): RpcResponse {
  const error: RpcErrorObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
}

export function notification(method: string, params?: unknown): RpcNotification {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}

export function frame(message: RpcResponse | RpcNotification | RpcRequest): string {
  return `${JSON.stringify(message)}\n`;
}
