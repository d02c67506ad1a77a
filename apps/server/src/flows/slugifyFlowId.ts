/**
 * A flow id from a name: lowercase ASCII letters, digits and dashes, at most 64 characters.
 * @example slugifyFlowId('Pizza Order (v2)') // 'pizza-order-v2'
 */
export function slugifyFlowId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/g, '');
  return slug || 'flow';
}
