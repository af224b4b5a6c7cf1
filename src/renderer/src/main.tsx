import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiClient, setApiClient } from './api-client';
import { TokenGate } from './components/TokenGate';
import './styles.css';
import { pickTransport } from './transport/pick-transport';

const root = createRoot(document.getElementById('root')!);
const transport = pickTransport();
if (transport) {
  setApiClient(createApiClient(transport));
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} else {
  root.render(<TokenGate />);
}
