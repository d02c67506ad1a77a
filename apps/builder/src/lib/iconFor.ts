const ICONS: Record<string, string> = {
  play: '▶',
  'message-square': '✉',
  message: '✉',
  list: '☰',
  'help-circle': '?',
  'git-branch': '⋔',
  variable: 'x',
  globe: '◎',
  clock: '◷',
  headphones: '☎',
  'corner-down-right': '↪',
  square: '■',
  'file-text': '▤',
  package: '▣',
  truck: '⇢',
  search: '⌕',
};

/** A node type's icon as a character: an emoji as given, a known icon name mapped, else its initial. */
export function iconFor(icon: string | undefined, title = '?'): string {
  if (!icon) return title.charAt(0).toUpperCase();
  if (ICONS[icon]) return ICONS[icon];
  if ([...icon].length <= 2 && !/^[a-z0-9-]+$/i.test(icon)) return icon;
  return title.charAt(0).toUpperCase();
}
