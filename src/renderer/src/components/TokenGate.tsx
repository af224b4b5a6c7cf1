import { useState } from 'react';
import { rememberToken } from '../transport/pick-transport';

/** Shown in a browser that opened the server's URL without `#token=…`. */
export function TokenGate(): React.JSX.Element {
  const [token, setToken] = useState('');
  return (
    <main className="token-gate">
      <h1>Model Center</h1>
      <p>This server needs its API token. Run <code>model-center token</code> on this machine and paste it here.</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          rememberToken(token);
          window.location.reload();
        }}
      >
        <input type="password" value={token} onChange={(e) => setToken(e.target.value)} aria-label="API token" autoFocus />
        <button type="submit" disabled={!token.trim()}>
          Connect
        </button>
      </form>
    </main>
  );
}
