/**
 * VGGFace2 identity folders (fra-spec §3): `<root>/train/<nXXXXXX>/*.jpg`, and
 * `test/` when present (its identities are different people). FRA pre-training
 * ignores the identities; they are kept as labels so the statistics can report
 * images per identity. A root that directly holds the identity folders (the
 * user picked `…/train`) is taken as the train split.
 */
import { join } from 'node:path';
import { containsImages, describeListing, listFolder, spreadSample, byCodePoint } from './folder-survey.js';
import { splitFoldersOf } from './split-folders.js';
import { LayoutError, type DetectorResult, type FolderGroup } from './layout-types.js';

const IDENTITY_FOLDER = /^n\d{6}$/;
/** Share of sub-folders that must follow VGGFace2 naming; a few stray folders are tolerated (and reported). */
const MIN_IDENTITY_SHARE = 0.9;
const EXPECTED = '<root>/train/<identity>/*.jpg with identity folders named like n000002 (and optionally test/)';

interface IdentitySplit {
  split: string;
  dir: string;
  identities: string[];
  strays: string[];
}

export async function detectVggFace2(root: string): Promise<DetectorResult> {
  const top = await listFolder(root);
  if (!top) return { matched: false, expected: EXPECTED, whyNot: 'the root is not a readable folder' };

  const candidates: { split: string; dir: string }[] = splitFoldersOf(top.folders).map((name) => ({ split: name, dir: name }));
  if (candidates.length === 0) candidates.push({ split: 'train', dir: '' });

  const splits: IdentitySplit[] = [];
  for (const candidate of candidates) {
    const listing = candidate.dir === '' ? top : await listFolder(join(root, candidate.dir));
    if (!listing) continue;
    const identities = listing.folders.filter((name) => IDENTITY_FOLDER.test(name));
    if (identities.length === 0 || identities.length < MIN_IDENTITY_SHARE * listing.folders.length) continue;
    splits.push({ ...candidate, identities, strays: listing.folders.filter((name) => !IDENTITY_FOLDER.test(name)) });
  }
  if (splits.length === 0) {
    return { matched: false, expected: EXPECTED, whyNot: `no folder of identity folders named like n000002 (root: ${describeListing(top)})` };
  }

  // Sample a few identity folders per split: empty ones mean a broken extraction.
  for (const split of splits) {
    const sample = spreadSample(split.identities, 6);
    const checks = await Promise.all(sample.map((id) => containsImages(join(root, split.dir, id))));
    if (!checks.some(Boolean)) {
      throw new LayoutError(
        `${root} looks like VGGFace2 (${split.identities.length} identity folders in ${split.dir || 'the root'}), but the identity folders hold no images.`,
        ['identity folders such as train/n000002/ containing .jpg images'],
        sample.map((id) => `${join(split.dir, id)}/: no image files`),
        'check that the archive was fully extracted (VGGFace2 ships train.tar.gz / test.tar.gz), then detect again.',
      );
    }
  }

  const classNames = [...new Set(splits.flatMap((s) => s.identities))].sort(byCodePoint);
  const labelOf = new Map(classNames.map((name, index) => [name, index]));
  const groups: FolderGroup[] = splits.flatMap((s) =>
    s.identities.map((id) => ({ split: s.split, dir: s.dir === '' ? id : `${s.dir}/${id}`, label: labelOf.get(id) ?? null })),
  );

  const report = splits.map(
    (s) => `${s.dir === '' ? 'the root' : `${s.dir}/`} holds ${s.identities.length} identity folders named like ${s.identities[0]} (VGGFace2 naming) → split "${s.split}"`,
  );
  if (candidates.length === 1 && candidates[0]?.dir === '') report.push('no train/ or test/ folder: the root itself is taken as the train split');
  report.push('labels are identities: FRA pre-training ignores them (fra-spec §3); they are kept for per-identity image counts');
  const warnings = splits
    .filter((s) => s.strays.length > 0)
    .map((s) => `${s.dir || 'the root'} also holds ${s.strays.length} folder(s) not named like identities (${s.strays.slice(0, 5).join(', ')}); they are not indexed`);

  return {
    matched: true,
    detection: {
      kind: 'vggface2',
      title: 'VGGFace2 identity folders',
      root,
      labelRole: 'identity',
      classNames,
      splits: splits.map((s) => s.split),
      report,
      warnings,
      enumeration: { type: 'folders', groups },
    },
  };
}
