import type { Agent, Dispatcher } from 'undici';

export interface UndiciParts {
  Agent: typeof Agent;
  request(agent: Agent, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

/**
 * Loads just the two parts of undici the transport uses: the Agent class and `request`. The package entry loads all
 * of undici — fetch, WebSocket, mocks, caching — and installs a global dispatcher on `globalThis`: about 110 ms of
 * start-up where these two modules take about 40 ms, paid by every `shop` call in a script loop. Falls back to the
 * public entry should a later 7.x move these files.
 */
export async function loadUndici(): Promise<UndiciParts> {
  try {
    const [agentModule, requestModule] = await Promise.all([
      import('undici/lib/dispatcher/agent.js'),
      import('undici/lib/api/api-request.js'),
    ]);
    const request = requestModule.default;
    return { Agent: agentModule.default, request: (agent, options) => request.call(agent, options) };
  } catch {
    const { Agent } = await import('undici');
    return { Agent, request: (agent, options) => agent.request(options) };
  }
}
