// Images attached to a chat message: which files are accepted (the types the server decodes),
// how large (the store keeps each up to 8 MiB), and whether the model reads images at all.

/** The media types the engine decodes and the store keeps. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
/** One image's largest file size: the store's limit (store/limits.h, kImage). */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Images on one message: the store's limit (kImagesPerMessage). */
export const MAX_IMAGES = 8;

export interface Attachment {
  /** A data URL: what the chat API and the store take. */
  url: string;
  name: string;
  size: number;
}

/** Why `file` cannot be attached, or null when it can. */
export function imageFileProblem(file: { name: string; type: string; size: number }): string | null {
  const name = file.name || 'the pasted item';
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) {
    return `${name} is not an image Inferno reads (PNG, JPEG, WebP or GIF)${file.type ? `: it is ${file.type}` : ''}`;
  }
  if (file.size > MAX_IMAGE_BYTES) {
    return `${name} is ${formatBytes(file.size)}; an image may be at most ${formatBytes(MAX_IMAGE_BYTES)}`;
  }
  return null;
}

/** Why the model cannot take images, or null. */
export function visionProblem(model: string, capabilities: string[] | undefined): string | null {
  if (!model) return 'Choose a model before attaching images';
  if (capabilities?.includes('vision')) return null;
  return `${model} reads no images: it has no vision encoder (mmproj) beside it`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * The files that can be attached, read as data URLs, and one message per file that cannot
 * (at most MAX_IMAGES counting the `already` attached).
 */
export async function readImageFiles(
  files: File[],
  already: number,
): Promise<{ attachments: Attachment[]; errors: string[] }> {
  const attachments: Attachment[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const problem = imageFileProblem(file);
    if (problem) {
      errors.push(problem);
    } else if (already + attachments.length >= MAX_IMAGES) {
      errors.push(`A message takes at most ${MAX_IMAGES} images`);
      break;
    } else {
      try {
        attachments.push({ url: await readAsDataUrl(file), name: file.name || 'pasted image', size: file.size });
      } catch (err) {
        errors.push(`${file.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return { attachments, errors };
}

/** The files of a paste or a drop (a clipboard holds them as items). */
export function transferFiles(data: DataTransfer | null): File[] {
  if (!data) return [];
  if (data.files?.length) return Array.from(data.files);
  const out: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue;
    const f = item.getAsFile();
    if (f) out.push(f);
  }
  return out;
}
