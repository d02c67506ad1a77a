import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlowDocument } from '@parley/flow';
import type { ApiClient } from '../api/apiClient.js';
import { ApiError } from '../api/ApiError.js';
import { isDirty, type EditorStore } from '../store/createEditorStore.js';

export type SaveStatus = 'saved' | 'dirty' | 'saving' | 'conflict' | 'error';

/** @default 1500 */
const AUTOSAVE_MS = 1500;

/**
 * Saving: Ctrl/Cmd+S or autosave after a pause, with the ETag the flow was loaded with. A 409
 * becomes a conflict the user resolves (reload theirs or overwrite) — never a silent overwrite.
 * Never saves before the first load, nor an empty flow over a non-empty one.
 */
export function useFlowSaver(
  api: ApiClient,
  store: EditorStore,
  initialEtag: string | null,
  autosave: boolean,
) {
  const etag = useRef(initialEtag);
  const [status, setStatus] = useState<SaveStatus>('saved');
  const [error, setError] = useState<string | null>(null);
  const saving = useRef<Promise<boolean> | null>(null);
  const statusRef = useRef(status);
  statusRef.current = status;

  useEffect(() => {
    etag.current = initialEtag;
  }, [initialEtag]);

  const save = useCallback(
    async (options: { force?: boolean } = {}): Promise<boolean> => {
      if (saving.current) await saving.current;
      const state = store.getState();
      const doc = state.doc;
      if (!doc || !etag.current || state.readOnly) return false;
      if (!isDirty(state)) {
        setStatus('saved');
        return true;
      }
      if (statusRef.current === 'conflict' && !options.force) return false;
      if (doc.nodes.length === 0 && (state.savedDoc?.nodes.length ?? 0) > 0) {
        setError('Refusing to save an empty flow over one with steps. Undo, or delete the flow instead.');
        setStatus('error');
        return false;
      }
      setStatus('saving');
      const run = (async () => {
        try {
          etag.current = await api.saveFlow(doc, etag.current as string);
          store.getState().markSaved(doc);
          setError(null);
          setStatus(isDirty(store.getState()) ? 'dirty' : 'saved');
          return true;
        } catch (cause) {
          if (cause instanceof ApiError && cause.status === 409) {
            setStatus('conflict');
            setError('This flow was changed somewhere else since you opened it.');
          } else {
            setStatus('error');
            setError(cause instanceof ApiError ? cause.message : 'Saving failed.');
          }
          return false;
        } finally {
          saving.current = null;
        }
      })();
      saving.current = run;
      return run;
    },
    [api, store],
  );

  /** Conflict resolution: keep mine, overwriting the server copy. */
  const overwrite = useCallback(async () => {
    const doc = store.getState().doc;
    if (!doc) return;
    const fresh = await api.getFlow(doc.id);
    etag.current = fresh.etag;
    setStatus('dirty');
    statusRef.current = 'dirty';
    await save({ force: true });
  }, [api, save, store]);

  /** Conflict resolution: drop mine, load the server copy. */
  const reload = useCallback(async () => {
    const id = store.getState().doc?.id;
    if (!id) return;
    const fresh = await api.getFlow(id);
    etag.current = fresh.etag;
    store.getState().load(fresh.flow);
    setStatus('saved');
    setError(null);
  }, [api, store]);

  /** After the server changed the file itself (rollback), take its copy and ETag. */
  const adopt = useCallback(
    (flow: FlowDocument, newEtag: string) => {
      etag.current = newEtag;
      store.getState().load(flow);
      setStatus('saved');
      setError(null);
    },
    [store],
  );

  // Dirty tracking + autosave on a pause (not during a drag).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = store.subscribe((state, previous) => {
      if (
        state.doc === previous.doc &&
        state.savedDoc === previous.savedDoc &&
        state.dragOrigin === previous.dragOrigin
      )
        return;
      const dirty = isDirty(state);
      if (statusRef.current !== 'conflict' && statusRef.current !== 'saving')
        setStatus(dirty ? 'dirty' : 'saved');
      clearTimeout(timer);
      if (autosave && dirty && !state.dragOrigin) timer = setTimeout(() => void save(), AUTOSAVE_MS);
    });
    const onHidden = () => {
      if (document.visibilityState === 'hidden' && autosave && isDirty(store.getState())) void save();
    };
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      clearTimeout(timer);
      unsubscribe();
      document.removeEventListener('visibilitychange', onHidden);
    };
  }, [store, save, autosave]);

  // A warning before leaving with unsaved changes.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!isDirty(store.getState())) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [store]);

  return { status, error, save, overwrite, reload, adopt, etag };
}
