// Photo uploads with progress.
//
// fetch() cannot report upload progress, so uploads use XMLHttpRequest and its
// `upload.onprogress` events. Two paths, chosen by size (template.yaml MaxUploadBytes):
//   - up to 4 MiB: POST /photos, multipart field `file`, through Lambda. Lambda's
//     synchronous payload quota is 6 MB and API Gateway base64-encodes binary bodies (x4/3),
//     so 4 MiB is the ceiling;
//   - above (up to MaxDirectUploadBytes, 100 MiB by default): POST /photos/upload-url for a
//     presigned S3 POST, then the file goes straight to S3 (the policy pins the exact size
//     and the content type), then GET /photos/{photo_id}.

import { ApiError, apiError, createUploadUrl, getPhoto, withAuth } from "./api.js";

/** Largest file sent through POST /photos, in bytes (4 MiB). */
export const MAX_LAMBDA_UPLOAD_BYTES = 4 * 1024 * 1024;

function send(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload was interrupted. Check your connection and try again."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled."));
    xhr.send(body);
  });
}

async function sendToApi(file, onProgress) {
  let attempts = 0;
  const xhr = await withAuth((authHeader) => {
    if (attempts++) onProgress(0); // the retry after a token refresh starts over
    const form = new FormData();
    form.append("file", file, file.name);
    return send("POST", "/photos", form, { Accept: "application/json", ...authHeader }, onProgress);
  });
  if (xhr.status !== 201 && xhr.status !== 200) throw apiError(xhr.status, xhr.responseText);
  return JSON.parse(xhr.responseText);
}

async function sendToS3(file, onProgress) {
  const grant = await createUploadUrl({ filename: file.name, content_type: file.type, size_bytes: file.size });
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.upload.fields)) form.append(name, value);
  form.append("file", file, file.name); // S3 ignores every field after `file`: it goes last.
  const xhr = await send("POST", grant.upload.url, form, {}, onProgress);
  if (xhr.status < 200 || xhr.status >= 300) {
    throw new ApiError(xhr.status, "upload_failed", "The storage service refused the file (too large, or not the declared type).");
  }
  return getPhoto(grant.photo_id);
}

/**
 * Upload one image.
 *
 * @param {File} file - an image chosen by the user.
 * @param {(fraction: number) => void} onProgress - called with 0..1 as bytes leave the browser.
 * @returns {Promise<object>} the stored photo, usually still `pending`: {photo_id, filename,
 *   content_type, size_bytes, created_at, status, ...}; the grid polls until it is `ready`
 *   (thumbnail_url, url, width, height) or `rejected` (rejected_reason).
 * @throws {ApiError} with the API's error_description (413 too large, 415 not an image, ...).
 */
export function uploadPhoto(file, onProgress) {
  if (!file.type.startsWith("image/")) {
    return Promise.reject(new ApiError(415, "unsupported_media_type", `${file.name} is not an image.`));
  }
  return file.size <= MAX_LAMBDA_UPLOAD_BYTES ? sendToApi(file, onProgress) : sendToS3(file, onProgress);
}
