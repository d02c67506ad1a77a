import { useCallback, useEffect, useState } from 'react';
import { mayLeave } from './leaveGuard.js';

/** The current pathname and a navigate function (History API; the server falls back to index.html). */
export function useRoute(): [string, (path: string) => void] {
  const [path, setPath] = useState(() => window.location.pathname + window.location.search);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname + window.location.search);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: string) => {
    if (next === window.location.pathname + window.location.search) return;
    if (!mayLeave()) return;
    window.history.pushState(null, '', next);
    setPath(next);
  }, []);
  return [path, navigate];
}

/** Matches `/flows/:id` style patterns; returns params or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const pathname = path.split('?')[0] ?? '';
  const a = pattern.split('/').filter(Boolean);
  const b = pathname.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 1) {
    const p = a[i] as string;
    const v = b[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(v);
    else if (p !== v) return null;
  }
  return params;
}
