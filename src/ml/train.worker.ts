/** The training worker: TF.js in its own thread, answering the page's runs (see trainRemote.ts). */
import '@tensorflow/tfjs-backend-webgl';
import { serveTraining, type TrainPort } from './trainRemote';

serveTraining(self as unknown as TrainPort);
