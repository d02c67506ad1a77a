import { useEffect, useMemo, useState } from 'react';
import { createApiClient } from '../api/apiClient.js';
import type { User } from '../api/types.js';
import { AppProvider, type AppServices } from './AppContext.js';
import { matchRoute, useRoute } from './useRoute.js';
import { LoginPage } from '../pages/LoginPage.js';
import { FlowsPage } from '../pages/FlowsPage.js';
import { BotsPage } from '../pages/BotsPage.js';
import { ConversationsPage } from '../pages/ConversationsPage.js';
import { ConversationPage } from '../pages/ConversationPage.js';
import { EditorPage } from '../editor/EditorPage.js';

/** The builder app: session check, top navigation and pages. */
export function App() {
  const [path, navigate] = useRoute();
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  const api = useMemo(() => createApiClient({ onUnauthorized: () => setUser(null) }), []);

  useEffect(() => {
    api.me().then(
      (me) => {
        setUser(me);
        setChecked(true);
      },
      () => setChecked(true),
    );
  }, [api]);

  const services: AppServices = useMemo(() => ({ api, user, setUser, navigate }), [api, user, navigate]);

  if (!checked) return <p className="page-message">Loading…</p>;
  if (!user) {
    return (
      <AppProvider value={services}>
        <LoginPage onLoggedIn={(u) => setUser(u)} />
      </AppProvider>
    );
  }

  let page;
  let params: Record<string, string> | null;
  if ((params = matchRoute('/flows/:id', path)))
    page = <EditorPage key={params.id} flowId={params.id as string} />;
  else if (matchRoute('/bots', path)) page = <BotsPage />;
  else if ((params = matchRoute('/conversations/:id', path)))
    page = <ConversationPage id={params.id as string} />;
  else if (matchRoute('/conversations', path)) page = <ConversationsPage />;
  else page = <FlowsPage />;

  const isEditor = path.startsWith('/flows/');
  const link = (to: string, label: string) => (
    <a
      href={to}
      className={path.startsWith(to) || (to === '/flows' && path === '/') ? 'active' : ''}
      aria-current={path.startsWith(to) ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {label}
    </a>
  );

  return (
    <AppProvider value={services}>
      <div className={`app${isEditor ? ' app-editor' : ''}`}>
        <header className="app-header">
          <a className="brand" href="/flows" onClick={(e) => (e.preventDefault(), navigate('/flows'))}>
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>{' '}
            Parley
          </a>
          <nav aria-label="Main">
            {link('/flows', 'Flows')}
            {link('/bots', 'Bots')}
            {link('/conversations', 'Conversations')}
          </nav>
          <span className="toolbar-spacer" />
          <span className="user-chip" data-testid="user">
            {user.name ?? user.email} · {user.role}
          </span>
          <button
            type="button"
            className="button ghost small"
            onClick={() => void api.logout().finally(() => setUser(null))}
          >
            Log out
          </button>
        </header>
        <main className="app-main">{page}</main>
      </div>
    </AppProvider>
  );
}
