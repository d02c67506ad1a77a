import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../api/apiClient.js';
import type { User } from '../api/types.js';

export interface AppServices {
  api: ApiClient;
  user: User | null;
  setUser(user: User | null): void;
  navigate(path: string): void;
}

const AppContext = createContext<AppServices | null>(null);

/** Provides the API client, the logged-in user and navigation to every page. */
export function AppProvider({ value, children }: { value: AppServices; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

/** The app's services (API client, user, navigate). */
export function useApp(): AppServices {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp must be used inside an AppProvider');
  return value;
}

/** True when the user may change things (editors and owners). */
export function canEdit(user: User | null): boolean {
  return user?.role === 'editor' || user?.role === 'owner';
}
