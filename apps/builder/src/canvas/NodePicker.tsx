import { useEffect, useRef, useState } from 'react';
import { useEditor } from '../store/EditorStoreContext.js';
import { rankManifests } from './groupManifests.js';
import { iconFor } from '../lib/iconFor.js';

/** The quick-add menu shown where a connection was dropped on empty canvas. */
export function NodePicker({
  x,
  y,
  onPick,
  onClose,
}: {
  x: number;
  y: number;
  onPick(type: string): void;
  onClose(): void;
}) {
  const manifests = useEditor((s) => s.manifests);
  const [search, setSearch] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const flat = rankManifests(manifests.values(), search);
  const [active, setActive] = useState(0);

  useEffect(() => inputRef.current?.focus(), []);

  return (
    <div
      className="node-picker"
      style={{ left: x, top: y }}
      data-testid="node-picker"
      role="dialog"
      aria-label="Add a step here"
    >
      <input
        ref={inputRef}
        type="search"
        className="field-input nokey"
        placeholder="Add a step…"
        aria-label="Search steps to add"
        data-testid="node-picker-search"
        value={search}
        onChange={(e) => {
          setSearch(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, flat.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && flat[active]) onPick(flat[active].type);
          else return;
          e.preventDefault();
        }}
      />
      <ul role="listbox" aria-label="Steps">
        {flat.map((m, i) => (
          <li key={m.type} role="option" aria-selected={i === active}>
            <button
              type="button"
              className={`picker-item${i === active ? ' active' : ''}`}
              data-testid={`node-picker-item-${m.type}`}
              onClick={() => onPick(m.type)}
            >
              <span aria-hidden="true">{iconFor(m.icon, m.title)}</span> {m.title}
              <span className="muted"> · {m.category}</span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="button small ghost" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
