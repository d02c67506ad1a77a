import { useRef, useState, type KeyboardEvent } from 'react';

interface TemplateInputProps {
  id: string;
  value: string;
  label: string;
  multiline: boolean;
  variables: string[];
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  monospace?: boolean;
  onChange(value: string): void;
  onBlur(): void;
}

const OPEN_VARIABLE = /\{\{\s*([A-Za-z0-9_.]*)$/;

/** A text field that suggests `{{variables}}` after the user types `{{`. */
export function TemplateInput(props: TemplateInputProps) {
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const suggestions =
    query === null
      ? []
      : props.variables.filter((v) => v.toLowerCase().startsWith(query.toLowerCase())).slice(0, 8);
  const listId = `${props.id}-vars`;

  function updateQuery(text: string, caret: number) {
    const match = OPEN_VARIABLE.exec(text.slice(0, caret));
    setQuery(match ? (match[1] ?? '') : null);
    setActive(0);
  }

  function insert(name: string) {
    const el = ref.current;
    const caret = el?.selectionStart ?? props.value.length;
    const before = props.value.slice(0, caret).replace(OPEN_VARIABLE, '');
    const after = props.value.slice(caret).replace(/^[A-Za-z0-9_.]*\s*\}\}/, '');
    const next = `${before}{{${name}}}${after}`;
    props.onChange(next);
    setQuery(null);
    requestAnimationFrame(() => {
      const pos = before.length + name.length + 4;
      el?.setSelectionRange(pos, pos);
      el?.focus();
    });
  }

  function onKeyDown(event: KeyboardEvent) {
    if (!suggestions.length) return;
    if (event.key === 'ArrowDown') setActive((a) => (a + 1) % suggestions.length);
    else if (event.key === 'ArrowUp') setActive((a) => (a - 1 + suggestions.length) % suggestions.length);
    else if (event.key === 'Enter' || event.key === 'Tab') insert(suggestions[active] as string);
    else if (event.key === 'Escape') setQuery(null);
    else return;
    event.preventDefault();
  }

  const common = {
    id: props.id,
    ref,
    value: props.value,
    placeholder: props.placeholder,
    disabled: props.disabled,
    'aria-label': props.label,
    'aria-invalid': props.invalid || undefined,
    'aria-describedby': props.describedBy,
    'aria-autocomplete': 'list' as const,
    'aria-controls': suggestions.length ? listId : undefined,
    className: `field-input nokey${props.monospace ? ' mono' : ''}`,
    onKeyDown,
    onBlur: () => {
      window.setTimeout(() => setQuery(null), 150);
      props.onBlur();
    },
    onChange: (event: { target: { value: string; selectionStart: number | null } }) => {
      props.onChange(event.target.value);
      updateQuery(event.target.value, event.target.selectionStart ?? event.target.value.length);
    },
  };

  return (
    <div className="template-input">
      {props.multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />}
      {suggestions.length > 0 && (
        <ul className="suggestions" role="listbox" id={listId} aria-label="Variables">
          {suggestions.map((name, i) => (
            <li
              key={name}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(name);
              }}
            >
              {`{{${name}}}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
