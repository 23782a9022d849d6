// The local server hands out its access token in the page URL (?token=…). The page takes it once,
// keeps it for this tab, and removes it from the address bar so it does not end up in screenshots,
// bookmarks or shared links.
const TOKEN_PARAM = 'token';
const STORAGE_KEY = 'fra.accessToken';

export function takeAccessToken(location: Location, history: History, storage: Storage): string | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl !== null && fromUrl !== '') {
    storage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAM);
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  return storage.getItem(STORAGE_KEY) ?? undefined;
}
