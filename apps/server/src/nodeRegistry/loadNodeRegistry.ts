import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  builtinNodes,
  createRegistry,
  nodeDefinitionProblems,
  type NodeDefinition,
  type NodeRegistry,
} from '@parley/nodes';

/** The file, at the project root, that lists custom node modules. */
export const PARLEY_CONFIG_FILE = 'parley.config.json';

/** `parley.config.json`: other keys are allowed so the file can grow. */
export const parleyConfigSchema = z.looseObject({
  $schema: z.string().optional(),
  nodes: z
    .array(z.string().trim().min(1, { error: 'A node module cannot be an empty string' }), {
      error: '"nodes" must be a list of package names or file paths',
    })
    .default([]),
});

export type NodeRegistryLoadErrorCode =
  | 'NODES_CONFIG_INVALID'
  | 'NODE_MODULE_NOT_FOUND'
  | 'NODE_MODULE_FAILED'
  | 'NODE_MODULE_EMPTY'
  | 'NODE_DEFINITION_INVALID'
  | 'DUPLICATE_NODE_TYPE';

/** Why the custom nodes could not be loaded; the message names the module and says what to do. */
export class NodeRegistryLoadError extends Error {
  constructor(
    readonly code: NodeRegistryLoadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NodeRegistryLoadError';
  }
}

export interface LoadNodeRegistryOptions {
  /** Where `parley.config.json` is looked for. @default process.cwd() */
  rootDir?: string;
  /** `PARLEY_NODES` is read from here. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One module to load and where it came from, for error messages. */
interface NodeSource {
  specifier: string;
  /** Directory relative paths are resolved from. */
  baseDir: string;
  origin: string;
}

async function readConfigSources(rootDir: string): Promise<NodeSource[]> {
  const file = path.join(rootDir, PARLEY_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new NodeRegistryLoadError(
      'NODES_CONFIG_INVALID',
      `Cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NodeRegistryLoadError(
      'NODES_CONFIG_INVALID',
      `${file} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = parleyConfigSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
      .join('; ');
    throw new NodeRegistryLoadError('NODES_CONFIG_INVALID', `${file} is not valid: ${details}`);
  }
  return parsed.data.nodes.map((specifier) => ({ specifier, baseDir: rootDir, origin: PARLEY_CONFIG_FILE }));
}

function envSources(value: string | undefined, cwd: string): NodeSource[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((specifier) => ({ specifier, baseDir: cwd, origin: 'PARLEY_NODES' }));
}

function isPath(specifier: string): boolean {
  return specifier.startsWith('.') || path.isAbsolute(specifier) || specifier.startsWith('file:');
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Failed to load url/i.test(String((error as Error)?.message))
  );
}

async function importSource(source: NodeSource): Promise<Record<string, unknown>> {
  const target = isPath(source.specifier)
    ? source.specifier.startsWith('file:')
      ? source.specifier
      : pathToFileURL(path.resolve(source.baseDir, source.specifier)).href
    : source.specifier;
  try {
    return (await import(target)) as Record<string, unknown>;
  } catch (error) {
    if (isNotFound(error)) {
      const hint = isPath(source.specifier)
        ? `check the path (resolved from ${source.baseDir})`
        : `install it (npm install ${source.specifier}) or fix the name`;
      throw new NodeRegistryLoadError(
        'NODE_MODULE_NOT_FOUND',
        `Custom node module "${source.specifier}" (listed in ${source.origin}) was not found: ${hint}`,
        { cause: error },
      );
    }
    throw new NodeRegistryLoadError(
      'NODE_MODULE_FAILED',
      `Custom node module "${source.specifier}" (listed in ${source.origin}) failed to load: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}

/** Values that claim to be node definitions: objects with a string `type` and a `run`. */
function looksLikeDefinition(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'type' in value && 'run' in value;
}

/** Every node definition a module exports, directly or in exported arrays, each checked structurally. */
function definitionsIn(moduleExports: Record<string, unknown>, source: NodeSource): NodeDefinition[] {
  const found = new Set<unknown>();
  for (const [name, value] of Object.entries(moduleExports)) {
    const candidates = Array.isArray(value) && value.some(looksLikeDefinition) ? value : [value];
    for (const candidate of candidates) {
      if (!looksLikeDefinition(candidate)) continue;
      const problems = nodeDefinitionProblems(candidate);
      if (problems.length > 0) {
        throw new NodeRegistryLoadError(
          'NODE_DEFINITION_INVALID',
          `Export "${name}" of custom node module "${source.specifier}" is not a valid node definition: ${problems.join('; ')}`,
        );
      }
      found.add(candidate);
    }
  }
  if (found.size === 0) {
    throw new NodeRegistryLoadError(
      'NODE_MODULE_EMPTY',
      `Custom node module "${source.specifier}" (listed in ${source.origin}) exports no node definitions; export the result of defineNode(...)`,
    );
  }
  return [...found] as NodeDefinition[];
}

/**
 * Builds the server's node registry: the built-in nodes plus every custom node module listed in
 * `parley.config.json` (`{ "nodes": [...] }`) and in `PARLEY_NODES` (comma-separated).
 * Package names are imported as packages; paths are resolved from the config file's folder
 * (or the working directory for `PARLEY_NODES`).
 * @example const registry = await loadNodeRegistry({ rootDir: process.cwd() })
 */
export async function loadNodeRegistry(options: LoadNodeRegistryOptions = {}): Promise<NodeRegistry> {
  const rootDir = path.resolve(options.rootDir ?? process.cwd());
  const env = options.env ?? process.env;
  const sources = [...(await readConfigSources(rootDir)), ...envSources(env.PARLEY_NODES, process.cwd())];
  const owners = new Map<string, string>(builtinNodes.map((node) => [node.type, 'the built-in nodes']));
  const custom: NodeDefinition[] = [];
  const loaded = new Set<unknown>();
  for (const source of sources) {
    for (const definition of definitionsIn(await importSource(source), source)) {
      // The same module listed twice (config and env) is not a conflict.
      if (loaded.has(definition)) continue;
      const owner = owners.get(definition.type);
      if (owner !== undefined) {
        throw new NodeRegistryLoadError(
          'DUPLICATE_NODE_TYPE',
          `Node type "${definition.type}" from "${source.specifier}" is already defined by ${owner}; each type id must be unique (namespace yours, like "acme/${definition.type.split('/').pop()}")`,
        );
      }
      owners.set(definition.type, `"${source.specifier}"`);
      loaded.add(definition);
      custom.push(definition);
    }
  }
  return createRegistry([...builtinNodes, ...custom]);
}
