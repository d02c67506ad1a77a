import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, DuplicateNodeTypeError } from './createRegistry.js';
import { builtinNodes } from './catalog/builtinNodes.js';
import { choice } from './catalog/choice.js';
import { defineNode } from './defineNode.js';
import { NodeManifestError } from './nodeManifest.js';
import type { NodeDefinition } from './types.js';

const registry = createRegistry(builtinNodes);

describe('createRegistry', () => {
  it('lists, finds and reports node types', () => {
    expect(registry.list().map((node) => node.type)).toEqual([
      'start',
      'message',
      'choice',
      'ask',
      'condition',
      'set',
      'http',
      'delay',
      'handoff',
      'goto',
      'end',
      'template',
    ]);
    expect(registry.has('choice')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('choice')?.definition).toBe(choice);
    expect(registry.get('choice')?.run).toBe(choice.run);
  });

  it('rejects two definitions with the same type', () => {
    expect(() => createRegistry([...builtinNodes, choice])).toThrow(DuplicateNodeTypeError);
    expect(() => createRegistry([...builtinNodes, choice])).toThrow('"choice"');
  });

  it('parses config with defaults, and explains failures with paths', () => {
    const info = registry.get('choice');
    const ok = info?.parseConfig({});
    expect(ok?.ok).toBe(true);
    const bad = info?.parseConfig({ options: [{ id: 'a', title: 'x'.repeat(101) }], header: 'h'.repeat(61) });
    expect(bad?.ok).toBe(false);
    if (bad && !bad.ok) {
      expect(bad.issues).toContainEqual({
        path: ['options', 0, 'title'],
        message: 'The option title is 101 characters; the limit is 100',
        severity: 'error',
      });
      expect(bad.issues).toContainEqual({
        path: ['header'],
        message: 'The header is 61 characters; WhatsApp allows 60',
        severity: 'error',
      });
    }
  });

  it('answers what the linter asks from the definition', () => {
    const choiceInfo = registry.get('choice');
    const config = { options: [{ id: 'opt-a', title: 'Hi {{name}}' }], variable: 'picked' };
    const parsed = choiceInfo?.parseConfig(config);
    if (!parsed?.ok) throw new Error('expected a valid config');
    expect(choiceInfo?.portsOf(parsed.config).map((port) => port.id)).toEqual(['opt-a', 'fallback']);
    expect(choiceInfo?.waitsForInput).toBe(true);
    expect(choiceInfo?.isTrigger).toBe(false);
    expect(choiceInfo?.variablesSetBy(parsed.config)).toEqual(['picked']);
    expect(choiceInfo?.templateFieldsOf(parsed.config)).toContainEqual({
      path: ['options', 0, 'title'],
      text: 'Hi {{name}}',
    });
    expect(registry.get('start')?.isTrigger).toBe(true);
    expect(registry.get('delay')?.waitsForTimer?.({ amount: 1, unit: 'seconds', typing: false })).toBe(true);
    expect(registry.get('message')?.waitsForTimer?.({})).toBe(false);
    expect(registry.get('goto')?.jumpTargetsOf?.({ target: { kind: 'node', nodeId: 'n9' } })).toEqual(['n9']);
  });

  it('flags duplicate port ids as config issues', () => {
    const info = registry.get('choice');
    const parsed = info?.parseConfig({
      options: [
        { id: 'same', title: 'A' },
        { id: 'same', title: 'B' },
      ],
    });
    if (!parsed?.ok) throw new Error('expected a valid config');
    expect(info?.checkConfig?.(parsed.config)).toContainEqual({
      path: ['options', 1, 'id'],
      message: 'Two exits use the id "same"; give each one its own id',
      severity: 'error',
    });
  });

  it('summarizes a node for its card', () => {
    expect(registry.summarize('delay', { amount: 2, unit: 'minutes' })).toBe('2 minutes');
    expect(registry.summarize('delay', { amount: -1 })).toBe('');
    expect(registry.summarize('nope', {})).toBe('');
  });
});

describe('manifest', () => {
  it('describes every built-in node as JSON the builder can use', () => {
    const manifest = registry.manifest();
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    for (const entry of manifest) {
      expect(entry.configSchema.type).toBe('object');
      expect(entry.defaults, `${entry.type} should start from defaults`).toBeDefined();
    }
    const choiceEntry = manifest.find((entry) => entry.type === 'choice');
    expect(choiceEntry).toMatchObject({
      waitsForInput: true,
      trigger: false,
      version: 1,
      category: 'Questions',
    });
    expect(choiceEntry?.ports).toEqual([
      { each: 'options', id: 'id', label: 'title' },
      { id: 'fallback', label: 'No match', kind: 'fallback' },
    ]);
    const properties = choiceEntry?.configSchema.properties as Record<
      string,
      { ui?: unknown; maxLength?: number }
    >;
    expect(properties.header).toMatchObject({ maxLength: 60, ui: { widget: 'template' } });
  });

  it('fails loudly when a node uses a zod feature JSON Schema cannot represent', () => {
    const broken = defineNode({
      type: 'acme/broken',
      title: 'Broken',
      category: 'Logic',
      icon: 'x',
      description: 'Has a schema the form cannot show',
      config: z.object({ when: z.date().default(new Date(0)) }),
      ports: [],
      run: () => ({ next: { end: true } }),
    });
    expect(() => createRegistry([broken as NodeDefinition]).manifest()).toThrow(NodeManifestError);
  });
});
