import { useState, type DragEvent } from 'react';
import { useEditor } from '../store/EditorStoreContext.js';
import { groupManifests } from './groupManifests.js';
import { iconFor } from '../lib/iconFor.js';

/** The drag type palette items carry. */
export const NODE_TYPE_MIME = 'application/x-parley-node-type';

/** Node types by category with a search box; drag onto the canvas or click (or Enter) to add. */
export function Palette({ onAdd }: { onAdd(type: string): void }) {
  const manifests = useEditor((s) => s.manifests);
  const readOnly = useEditor((s) => s.readOnly);
  const [search, setSearch] = useState('');
  const groups = groupManifests(manifests.values(), search);

  function onDragStart(event: DragEvent, type: string) {
    event.dataTransfer.setData(NODE_TYPE_MIME, type);
    event.dataTransfer.setData('text/plain', type);
    event.dataTransfer.effectAllowed = 'copyMove';
  }

  return (
    <aside className="palette" aria-label="Steps you can add" data-testid="palette">
      <input
        type="search"
        className="field-input"
        placeholder="Search steps…"
        aria-label="Search steps"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        data-testid="palette-search"
      />
      {groups.length === 0 && <p className="muted">No step matches “{search}”.</p>}
      {groups.map(([category, list]) => (
        <section key={category} className="palette-group">
          <h3>{category}</h3>
          <ul>
            {list.map((m) => (
              <li key={m.type}>
                <button
                  type="button"
                  className="palette-item"
                  draggable={!readOnly}
                  disabled={readOnly}
                  data-testid={`palette-item-${m.type}`}
                  title={m.description}
                  aria-label={`Add ${m.title}: ${m.description}`}
                  onDragStart={(e) => onDragStart(e, m.type)}
                  onClick={() => onAdd(m.type)}
                >
                  <span className="palette-icon" aria-hidden="true">
                    {iconFor(m.icon, m.title)}
                  </span>
                  <span className="palette-text">
                    <span className="palette-title">{m.title}</span>
                    <span className="palette-desc">{m.description}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
