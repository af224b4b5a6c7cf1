import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_DIALOG_OPEN_BUNDLE, IPC_DIALOG_SAVE_BUNDLE } from '../../shared/bridge';

// Extensions as the dialogs match them: the last dot's (`.tar.zst` is `zst`).
const FILTERS = [{ name: 'Model Center bundles', extensions: ['gz', 'tgz', 'zst', 'tzst', 'tar'] }];

/**
 * The window's two native file dialogs for bundles. Only paths cross back; the core then reads or writes the
 * file itself (export/import jobs), so the renderer never touches the file system.
 */
export function bindBundleDialogs(isTrusted: (event: IpcMainInvokeEvent) => boolean, window: () => BrowserWindow | undefined): () => void {
  ipcMain.handle(IPC_DIALOG_SAVE_BUNDLE, async (event, defaultName: unknown) => {
    const win = window();
    if (!isTrusted(event) || !win) return null;
    const r = await dialog.showSaveDialog(win, { title: 'Export models to a bundle', defaultPath: typeof defaultName === 'string' ? defaultName : 'models.tar.gz', filters: FILTERS });
    return r.canceled || !r.filePath ? null : r.filePath;
  });
  ipcMain.handle(IPC_DIALOG_OPEN_BUNDLE, async (event) => {
    const win = window();
    if (!isTrusted(event) || !win) return null;
    const r = await dialog.showOpenDialog(win, { title: 'Import a bundle', properties: ['openFile'], filters: FILTERS });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  return () => {
    ipcMain.removeHandler(IPC_DIALOG_SAVE_BUNDLE);
    ipcMain.removeHandler(IPC_DIALOG_OPEN_BUNDLE);
  };
}
