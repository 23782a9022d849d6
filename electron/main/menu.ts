// A small, conventional menu built from Electron roles so shortcuts (copy, reload, zoom, quit)
// behave the way each platform expects.
import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import { APP_DISPLAY_NAME } from '../services/app-metadata.js';

export function installApplicationMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `About ${APP_DISPLAY_NAME}`, click: () => app.showAboutPanel() }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
