-- AlterTable
ALTER TABLE "ServiceAccountToken" ADD COLUMN "lastUsedAt" DATETIME;

-- AlterTable
ALTER TABLE "ExternalApiToken" ADD COLUMN "lastUsedAt" DATETIME;

-- CreateTable
CREATE TABLE "ServiceAccountTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" DATETIME NOT NULL,

    PRIMARY KEY ("tokenId", "address"),
    CONSTRAINT "ServiceAccountTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ServiceAccountToken" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ExternalApiTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" DATETIME NOT NULL,

    PRIMARY KEY ("tokenId", "address"),
    CONSTRAINT "ExternalApiTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ExternalApiToken" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
