// The images waiting in the composer: added by the button, a paste or a drop (onto the
// composer or the conversation), each checked (type, size, count, a model that reads images)
// with a message for each refusal; cleared once sent.

import { useCallback, useRef, useState } from 'react';
import { readImageFiles, type Attachment } from '../lib/images';

export function useAttachments(visionProblem: string | null) {
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const countRef = useRef(0);
  countRef.current = attachments.length;

  const add = useCallback(
    async (files: File[]) => {
      if (!files.length) return;
      if (visionProblem) {
        setErrors([visionProblem]);
        return;
      }
      const read = await readImageFiles(files, countRef.current);
      setErrors(read.errors);
      if (read.attachments.length) setAttachments((a) => [...a, ...read.attachments]);
    },
    [visionProblem],
  );
  const remove = useCallback((index: number) => setAttachments((a) => a.filter((_, i) => i !== index)), []);
  const clear = useCallback(() => {
    setAttachments([]);
    setErrors([]);
  }, []);
  return { attachments, errors, add, remove, clear };
}

export type Attachments = ReturnType<typeof useAttachments>;
