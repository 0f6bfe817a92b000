-- blob_stage: ARGV now, uploadId, index, data. Stages one chunk of an upload for an hour (an upload
-- that is never committed or aborted cleans itself up); nothing visible changes until blob_commit.
local STAGE_MS = 3600000
local m = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND' }
end
redis.call('SET', chunkKey(ARGV[2], ARGV[3]), ARGV[4], 'PX', STAGE_MS)
return { 'OK' }
