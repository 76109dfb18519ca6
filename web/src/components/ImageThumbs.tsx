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
