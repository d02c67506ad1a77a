// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { act, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { SchemaForm } from './SchemaForm.js';
import { validateAgainstSchema } from './jsonSchema.js';
import { fixtureManifests } from '../testing/fixtureManifests.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const choice = fixtureManifests.find((m) => m.type === 'choice')!;
let root: Root | null = null;
let container: HTMLElement;

function Harness({
  initial,
  log,
}: {
  initial: Record<string, unknown>;
  log: Array<{ value: Record<string, unknown>; path: string }>;
}) {
  const [value, setValue] = useState(initial);
  let n = 0;
  return (
    <SchemaForm
      schema={choice.configSchema}
      value={value}
      errors={validateAgainstSchema(choice.configSchema, value)}
      variables={['name', 'city']}
      newItemId={(prefix) => `${prefix}-new${++n}`}
      onChange={(next, path) => {
        log.push({ value: next, path });
        setValue(next);
      }}
    />
  );
}

function render(initial: Record<string, unknown>) {
  const log: Array<{ value: Record<string, unknown>; path: string }> = [];
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  act(() => root!.render(<Harness initial={initial} log={log} />));
  return log;
}

const byLabel = (name: string) => container.querySelector<HTMLInputElement>(`[aria-label="${name}"]`);
const button = (name: string) =>
  [...container.querySelectorAll('button')].find(
    (b) => b.getAttribute('aria-label') === name || b.textContent === name,
  )!;

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value')!.set!;
  act(() => {
    setter.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

afterEach(() => {
  act(() => root?.unmount());
  root = null;
  container?.remove();
});

const initial = () => ({
  text: 'Pick one',
  display: 'auto',
  options: [
    { id: 'yes', title: 'Yes' },
    { id: 'no', title: 'No' },
  ],
  retries: 1,
});

describe('SchemaForm', () => {
  it('renders a control per field with labels, hides item ids, and reports the changed path', () => {
    const log = render(initial());
    expect(byLabel('Text')?.tagName).toBe('TEXTAREA');
    expect(byLabel('Option 1 title')?.value).toBe('Yes');
    expect(byLabel('Option 1 id')).toBeNull();
    expect(container.querySelector('select[aria-label="Display"]')).not.toBeNull();
    type(byLabel('Option 2 title')!, 'Nope');
    expect(log.at(-1)).toMatchObject({
      path: 'options.1.title',
      value: { options: [{ id: 'yes' }, { id: 'no', title: 'Nope' }] },
    });
  });

  it('shows a validation message on the field as the user types, and clears it when fixed', () => {
    render(initial());
    const title = byLabel('Option 1 title')!;
    type(title, 'x'.repeat(25));
    expect(title.getAttribute('aria-invalid')).toBe('true');
    expect(container.textContent).toContain('This is 25 characters; the limit is 24.');
    type(title, 'Short');
    expect(title.getAttribute('aria-invalid')).toBeNull();
    expect(container.querySelector('.field-error')).toBeNull();
  });

  it('adds (with a fresh stable id), reorders and removes list items', () => {
    const log = render(initial());
    act(() => button('+ Add option').click());
    expect(log.at(-1)!.value.options).toEqual([
      { id: 'yes', title: 'Yes' },
      { id: 'no', title: 'No' },
      { id: 'opt-new1', title: '' },
    ]);
    act(() => button('Move option 1 down').click());
    expect((log.at(-1)!.value.options as Array<{ id: string }>).map((o) => o.id)).toEqual([
      'no',
      'yes',
      'opt-new1',
    ]);
    act(() => button('Remove option 3').click());
    expect((log.at(-1)!.value.options as Array<{ id: string }>).map((o) => o.id)).toEqual(['no', 'yes']);
    expect(button('Move option 1 up').disabled).toBe(true);
  });

  it('switches between the variants of a discriminated union', () => {
    const log = render(initial());
    const kind = container.querySelector<HTMLSelectElement>('select[aria-label="Media kind"]')!;
    act(() => {
      kind.value = '0';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(log.at(-1)!.value.media).toEqual({ kind: 'url', url: '' });
    expect(byLabel('Url')).not.toBeNull();
    act(() => {
      kind.value = '1';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(log.at(-1)!.value.media).toEqual({ kind: 'id', mediaId: '' });
    act(() => {
      kind.value = '';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect('media' in log.at(-1)!.value).toBe(false);
  });

  it('edits numbers and removes an optional text field when cleared', () => {
    const log = render({ ...initial(), saveAs: 'pick' });
    type(byLabel('Retries')!, '3');
    expect(log.at(-1)!.value.retries).toBe(3);
    type(byLabel('Save as')!, '');
    expect('saveAs' in log.at(-1)!.value).toBe(false);
  });

  it('suggests variables after {{ in template fields', () => {
    render(initial());
    const text = byLabel('Text') as unknown as HTMLTextAreaElement;
    type(text, 'Hello {{na');
    const options = [...container.querySelectorAll('[role="option"]')].map((o) => o.textContent);
    expect(options).toEqual(['{{name}}']);
  });
});
