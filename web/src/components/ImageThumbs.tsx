import { useRef } from 'react';
import { IMAGE_TYPES } from '../lib/images';

// Thumbnails of a message's images: in the composer (each with a remove button) and in the
// conversation and the reloaded history.

interface Props {
  images: { url: string; name?: string }[];
  /** Given: each thumbnail gets a remove button. */
  onRemove?: (index: number) => void;
}

export function ImageThumbs({ images, onRemove }: Props) {
  if (!images.length) return null;
  return (
    <ul className="thumbs" aria-label="Attached images">
      {images.map((img, i) => (
        <li key={i} className="thumb">
          <img src={img.url} alt={img.name ?? `image ${i + 1}`} />
          {onRemove && (
            <button
              type="button"
              className="thumb-remove"
              aria-label={`Remove ${img.name ?? `image ${i + 1}`}`}
              onClick={() => onRemove(i)}
            >
              ×
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A button that opens the file picker for images, each file going to `onFiles`. */
export function AttachImagesButton(props: {
  label: string;
  /** The file input's accessible name. */
  inputLabel: string;
  onFiles: (files: File[]) => void;
  testId?: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={ref}
        type="file"
        accept={IMAGE_TYPES.join(',')}
        multiple
        hidden
        aria-label={props.inputLabel}
        data-testid={props.testId}
        onChange={(e) => {
          props.onFiles(Array.from(e.target.files ?? []));
          e.target.value = '';
        }}
      />
      <button type="button" className="ghost attach" title={props.inputLabel} onClick={() => ref.current?.click()}>
        {props.label}
      </button>
    </>
  );
}
