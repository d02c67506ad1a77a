import { aadFor, type Cipher, type Store } from '@parley/store';
import { createGraphClient, type GraphClient, type GraphTransport } from '@parley/whatsapp';

export interface GraphClientsOptions {
  store: Pick<Store, 'getBotByPhoneNumberId'>;
  cipher: Pick<Cipher, 'decrypt'>;
  graphApiBaseUrl: string;
  graphApiVersion: string;
  /** WHATSAPP_ACCESS_TOKEN: used for numbers whose bot has no token of its own. */
  defaultAccessToken: string | undefined;
  /** Numbers the in-process simulator hosts (sandbox and previews): they talk to it instead of Meta. */
  simulatorNumbers: Set<string>;
  simulatorBaseUrl: string;
  /** How every client sends (the server's transport thread). @default node:http on the event loop */
  transport?: GraphTransport;
}

/**
 * The Graph client of each business number: the simulator for sandbox and preview numbers,
 * Meta with the bot's own (decrypted) token or the configured one otherwise. Clients are cached
 * and refreshed when a bot's token changes.
 */
export function createGraphClients(options: GraphClientsOptions) {
  const cache = new Map<string, { key: string; client: GraphClient }>();
  const tokens = new Map<string, string | undefined>();

  /** Re-reads the bot's token (after a bot was created or updated). */
  async function refresh(phoneNumberId: string): Promise<void> {
    const bot = await options.store.getBotByPhoneNumberId(phoneNumberId);
    let token = options.defaultAccessToken;
    if (bot?.accessTokenEncrypted) {
      token = options.cipher.decrypt(bot.accessTokenEncrypted, aadFor.botToken(bot.id));
    }
    tokens.set(phoneNumberId, token);
  }

  function get(phoneNumberId: string): GraphClient | null {
    const isSimulated = options.simulatorNumbers.has(phoneNumberId);
    const token = isSimulated ? 'sandbox' : (tokens.get(phoneNumberId) ?? options.defaultAccessToken);
    if (!token) return null;
    const baseUrl = isSimulated ? options.simulatorBaseUrl : options.graphApiBaseUrl;
    const key = `${baseUrl}|${token}`;
    const hit = cache.get(phoneNumberId);
    if (hit && hit.key === key) return hit.client;
    const client = createGraphClient({
      baseUrl,
      version: options.graphApiVersion,
      accessToken: token,
      transport: options.transport,
    });
    cache.set(phoneNumberId, { key, client });
    return client;
  }

  return { get, refresh };
}
